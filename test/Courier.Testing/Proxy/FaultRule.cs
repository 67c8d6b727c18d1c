using System.Text.RegularExpressions;

namespace Courier.Testing.Proxy;

/// <summary>
/// When a fault applies: to requests matching a method, a path pattern and/or request indexes, after skipping some
/// matches, a limited number of times, or with a seeded probability. Rules are tried in the order they were added;
/// the first that fires decides the request.
/// </summary>
public sealed class FaultRule
{
    private readonly Lock _lock = new();
    private Random? _random;
    private double _probability = 1;
    private int _skip;
    private int _remaining = int.MaxValue;
    private int _matched;
    private int _fired;

    private FaultRule(Fault fault) => Fault = fault;

    /// <summary>The fault this rule injects.</summary>
    public Fault Fault { get; }

    /// <summary>The HTTP method matched (case-insensitive), or null for any.</summary>
    public string? Method { get; private set; }

    /// <summary>The path pattern matched (against the request target, query included), or null for any.</summary>
    public Regex? Path { get; private set; }

    /// <summary>The request indexes (0-based, counted over every request the proxy saw) matched, or null for any.</summary>
    public IReadOnlySet<int>? Indexes { get; private set; }

    /// <summary>How many times this rule fired.</summary>
    public int Fired
    {
        get
        {
            lock (_lock)
            {
                return _fired;
            }
        }
    }

    /// <summary>A rule injecting <paramref name="fault"/> into every request until narrowed.</summary>
    public static FaultRule For(Fault fault) => new(fault);

    /// <summary>Only requests with this method (<c>PUT</c>, <c>GET</c> …).</summary>
    public FaultRule OnMethod(string method)
    {
        Method = method;
        return this;
    }

    /// <summary>Only requests whose target matches this regular expression.</summary>
    public FaultRule OnPath(string pattern)
    {
        Path = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        return this;
    }

    /// <summary>Only the requests with these indexes (0-based, over every request the proxy saw).</summary>
    public FaultRule OnRequests(params int[] indexes)
    {
        Indexes = indexes.ToHashSet();
        return this;
    }

    /// <summary>Lets the first <paramref name="count"/> matching requests through untouched.</summary>
    public FaultRule After(int count)
    {
        _skip = count;
        return this;
    }

    /// <summary>Fires at most <paramref name="count"/> times.</summary>
    public FaultRule Times(int count)
    {
        _remaining = count;
        return this;
    }

    /// <summary>Fires with this probability per matching request, drawn from a generator seeded with <paramref name="seed"/>.</summary>
    public FaultRule WithProbability(double probability, int seed)
    {
        _probability = probability;
        _random = new Random(seed);
        return this;
    }

    /// <summary>Decides whether this rule fires for a request; counts it when it does.</summary>
    internal bool TryFire(int index, string method, string target)
    {
        if (Method is not null && !string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (Path is not null && !Path.IsMatch(target))
        {
            return false;
        }

        if (Indexes is not null && !Indexes.Contains(index))
        {
            return false;
        }

        lock (_lock)
        {
            _matched++;
            if (_matched <= _skip || _remaining <= 0)
            {
                return false;
            }

            if (_random is not null && _random.NextDouble() >= _probability)
            {
                return false;
            }

            _remaining--;
            _fired++;
            return true;
        }
    }
}
