namespace Courier.Reliability.Tests.Crash;

/// <summary>What one crash run did and found.</summary>
internal sealed class CrashOutcome
{
    public int Seed { get; set; }

    public string DistributeMoment { get; set; } = "";

    public bool DistributeKilled { get; set; }

    public int? DistributeExit { get; set; }

    public string AfterDistributeKill { get; set; } = "";

    public string ServeMoment { get; set; } = "";

    public bool ServeKilled { get; set; }

    public bool Resubmitted { get; set; }

    public int Deliveries { get; set; }

    public int Delivered { get; set; }

    public int Dead { get; set; }

    public List<string> DeadReasons { get; set; } = [];

    public double SecondsToSettle { get; set; }

    public int StatusExit { get; set; }

    public string? StatusState { get; set; }

    public bool BytesMatch { get; set; }

    public int LeftoverTempFiles { get; set; }

    public List<string> Violations { get; set; } = [];

    public long WatcherChecks { get; set; }

    public override string ToString() =>
        $"seed {Seed}: distribute {(DistributeKilled ? "killed at " + DistributeMoment : $"exited {DistributeExit}")} ({AfterDistributeKill}), serve killed at {ServeMoment}" +
        $"{(Resubmitted ? ", resubmitted" : "")}; {Delivered}/{Deliveries} delivered, {Dead} dead in {SecondsToSettle:0.0} s; status {StatusState} (exit {StatusExit}); bytes match {BytesMatch}; " +
        $"{WatcherChecks} final-name checks, {Violations.Count} violations; {LeftoverTempFiles} leftover temp files";
}
