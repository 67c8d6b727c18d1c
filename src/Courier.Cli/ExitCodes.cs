namespace Courier.Cli;

/// <summary>The exit codes of <c>courier</c>, as README.md lists them: a contract with the scripts that call it.</summary>
internal static class ExitCodes
{
    /// <summary>Everything asked for is delivered (or the verb did what it was asked).</summary>
    public const int Ok = 0;

    /// <summary>Anything else: the store or the machine failed.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: a command line, configuration or submission that is refused. Nothing was stored.</summary>
    public const int BadInput = 2;

    /// <summary>Some deliveries are queued for asynchronous retry.</summary>
    public const int Queued = 3;

    /// <summary>Some deliveries are dead.</summary>
    public const int Dead = 4;
}
