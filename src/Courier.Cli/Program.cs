using Courier.Cli;

return await CourierCli.RunAsync(args).ConfigureAwait(false);
