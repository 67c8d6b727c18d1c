namespace Courier.Testing;

/// <summary>
/// The running test's cancellation token, as <c>Ct</c> in every test project (a static using in test/Directory.Build.props)
/// rather than a property written again in each test class.
/// </summary>
public static class TestCancellation
{
    /// <summary>Cancelled when the test is cancelled or runs out of time.</summary>
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
