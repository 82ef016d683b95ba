using Cinder.Server.Metrics;
using Cinder.Server.Tenancy;

namespace Cinder.Server;

/// <summary>The state one server instance shares between its middleware, handlers and lifetime: model, status, tenants, metrics.</summary>
internal sealed class ServerRuntime(ServerOptions options, TenantDirectory? tenants)
{
    private volatile ModelHost? _host;
    private volatile int _status = (int)ServerStatus.Loading;
    private int _inFlight;

    public ServerOptions Options { get; } = options;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Null when the server runs without --api-keys (everyone is the anonymous tenant).</summary>
    public TenantDirectory? Tenants { get; } = tenants;

    public PrometheusEngineObserver Metrics { get; } = new();

    /// <summary>Cancelled when a drain runs out of time: every request still running is stopped.</summary>
    public CancellationTokenSource Shutdown { get; } = new();

    public ServerStatus Status => (ServerStatus)_status;

    /// <summary>Why the model failed to load, when <see cref="Status"/> is Failed.</summary>
    public Exception? LoadError { get; private set; }

    /// <summary>The loaded model, or null while loading (or after a failure).</summary>
    public ModelHost? Host => _host;

    /// <summary>/v1 requests being answered now (a stream counts until its last event).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Exit() => Interlocked.Decrement(ref _inFlight);

    public void Loaded(ModelHost host)
    {
        _host = host;
        Interlocked.CompareExchange(ref _status, (int)ServerStatus.Ready, (int)ServerStatus.Loading);
    }

    public void Failed(Exception error)
    {
        LoadError = error;
        Interlocked.CompareExchange(ref _status, (int)ServerStatus.Failed, (int)ServerStatus.Loading);
    }

    /// <summary>Moves to Draining (from any state but Failed); true if this call did it.</summary>
    public bool BeginDrain()
    {
        while (true)
        {
            int current = _status;
            if (current is (int)ServerStatus.Draining or (int)ServerStatus.Failed) return false;
            if (Interlocked.CompareExchange(ref _status, (int)ServerStatus.Draining, current) == current) return true;
        }
    }
}
