namespace Courier.Cli.Samples;

/// <summary>The starter <c>courier.json</c> of <c>courier init</c>: SQLite, two filesystem targets, sources under ./media.</summary>
internal static class StarterConfig
{
    public const string SourceRoot = "media";

    public static readonly string[] TargetRoots = ["targets/archive", "targets/cdn-local"];

    public const string Json = """
        {
          "Courier": {
            "SourceRoot": "./media",
            "Store": { "Provider": "sqlite", "ConnectionString": "Data Source=courier.db" },
            "Scan": { "Interval": "00:00:30", "BatchSize": 100, "LeaseTimeout": "00:01:00" },
            "Retry": { "FirstDelay": "00:00:30", "MaxDelay": "01:00:00", "MaxAttempts": 10 },
            "Api": { "Urls": "http://127.0.0.1:5080" },
            "Targets": {
              "archive": { "Kind": "filesystem", "Region": "local", "Root": "./targets/archive" },
              "cdn-local": { "Kind": "filesystem", "Region": "local", "Root": "./targets/cdn-local" }
            }
          }
        }

        """;
}
