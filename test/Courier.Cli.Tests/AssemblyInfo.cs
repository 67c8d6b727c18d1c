// The tests mostly wait on child processes and loopback servers, not on the CPU: run more of them at once.
[assembly: Xunit.v3.Parallelization(MaxThreads = 4)]
