using System.Collections.Concurrent;

namespace Courier.Reliability.Tests.Crash;

/// <summary>
/// Watches, continuously while a run goes on, every path where a source file appears under its final name at a
/// target: each time one exists it must be as long as its source — never half-written.
/// </summary>
internal sealed class FinalNameWatcher : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, long> _expected;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly ConcurrentQueue<string> _violations = new();
    private long _checks;

    /// <param name="expected">Final path at a target → length of its source.</param>
    public FinalNameWatcher(IReadOnlyDictionary<string, long> expected)
    {
        _expected = expected;
        _loop = Task.Run(LoopAsync);
    }

    public IReadOnlyList<string> Violations => _violations.ToArray();

    /// <summary>How many times a file was found under its final name and measured.</summary>
    public long Checks => Interlocked.Read(ref _checks);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var (path, length) in _expected)
            {
                long found;
                try
                {
                    var info = new FileInfo(path);
                    if (!info.Exists)
                    {
                        continue;
                    }

                    found = info.Length;
                }
                catch (IOException)
                {
                    continue;
                }

                Interlocked.Increment(ref _checks);
                if (found < length)
                {
                    _violations.Enqueue($"{path}: {found} bytes under the final name, source has {length}");
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(3), _stop.Token); // the watcher's sampling period
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _loop;
    }
}
