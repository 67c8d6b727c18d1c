using System.CommandLine;
using Courier.Cli.Output;
using Courier.Cli.Samples;
using Courier.Core.Configuration;

namespace Courier.Cli.Commands;

/// <summary><c>courier init</c>: a starter courier.json, when there is none.</summary>
internal static class InitCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var force = new Option<bool>("--force") { Description = "Overwrite an existing configuration file." };
        var command = new Command("init", "Write a starter courier.json (SQLite store in ./courier.db, sources under ./media, filesystem targets ./targets/archive and ./targets/cdn-local) if none exists, and create those directories.")
        {
            force,
        };
        common.SetAction(command, (result, config, verbose, _) => Task.FromResult(Run(config, result.GetValue(force))));
        return command;
    }

    private static int Run(string? config, bool force)
    {
        var file = Path.GetFullPath(config ?? CourierDefaults.ConfigFile);
        var baseDirectory = Path.GetDirectoryName(file)!;
        var terminal = Terminal.Create();
        if (File.Exists(file) && !force)
        {
            terminal.Line($"{file} already exists; left as it is (use --force to overwrite).");
            return ExitCodes.Ok;
        }

        Directory.CreateDirectory(baseDirectory);
        File.WriteAllText(file, StarterConfig.Json);
        Directory.CreateDirectory(Path.Combine(baseDirectory, StarterConfig.SourceRoot));
        foreach (var root in StarterConfig.TargetRoots)
        {
            Directory.CreateDirectory(Path.Combine(baseDirectory, root));
        }

        terminal.Line($"wrote {file}: SQLite store courier.db, sources under ./{StarterConfig.SourceRoot}, targets archive and cdn-local (filesystem, under ./targets).");
        terminal.Line("next: courier sample && courier distribute --video movie-42 --rendition 360p=movie-42/360p.mp4 --rendition 1080p=movie-42/hls-1080p/");
        return ExitCodes.Ok;
    }
}
