using Cinder.Engine;
using Prometheus;

namespace Cinder.Server.Metrics;

/// <summary>
/// The engine's hooks as Prometheus metrics, in a registry of this server's own (tests run several servers in one
/// process). Gauges are read from the engine when scraped, so they are right even when the engine is idle.
/// </summary>
internal sealed class PrometheusEngineObserver : IEngineObserver
{
    private static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
    private static readonly double[] TokenTimeBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Gauge _running;
    private readonly Gauge _waiting;
    private readonly Gauge _kvUsage;
    private readonly Histogram _timeToFirstToken;
    private readonly Histogram _timePerOutputToken;
    private readonly Histogram _e2eLatency;
    private readonly Histogram _batchSize;
    private readonly Counter _promptTokens;
    private readonly Counter _generatedTokens;
    private readonly Counter _requests;
    private readonly Counter _rejections;
    private readonly Counter _prefixCacheHits;
    private readonly Counter _prefixCacheHitTokens;
    private readonly Counter _preemptions;
    private Func<InferenceEngine?> _engine = () => null;

    public PrometheusEngineObserver()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var f = Prometheus.Metrics.WithCustomRegistry(Registry);
        string[] tenant = ["tenant"];
        _running = f.CreateGauge("cinder_requests_running", "Requests being generated now.");
        _waiting = f.CreateGauge("cinder_requests_waiting", "Requests queued for a slot.");
        _kvUsage = f.CreateGauge("cinder_kv_cache_usage_ratio", "Fraction of KV cache blocks in use (0 to 1).");
        _timeToFirstToken = f.CreateHistogram("cinder_time_to_first_token_seconds", "Time from submission to the first generated token.",
            new HistogramConfiguration { LabelNames = tenant, Buckets = LatencyBuckets });
        _timePerOutputToken = f.CreateHistogram("cinder_time_per_output_token_seconds", "Time between consecutive generated tokens of a request.",
            new HistogramConfiguration { LabelNames = tenant, Buckets = TokenTimeBuckets });
        _e2eLatency = f.CreateHistogram("cinder_e2e_request_latency_seconds", "Time from submission to the end of a generation.",
            new HistogramConfiguration { LabelNames = tenant, Buckets = LatencyBuckets });
        _batchSize = f.CreateHistogram("cinder_batch_size", "Sequences in one forward pass.",
            new HistogramConfiguration { Buckets = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64] });
        _promptTokens = f.CreateCounter("cinder_prompt_tokens_total", "Prompt tokens of finished requests.", tenant);
        _generatedTokens = f.CreateCounter("cinder_generated_tokens_total", "Tokens generated.", tenant);
        _requests = f.CreateCounter("cinder_requests_total", "Generation requests by outcome: stop, length, cancelled, error, or rejected.", "tenant", "status");
        _rejections = f.CreateCounter("cinder_requests_rejected_total", "Requests turned away by a limit, by reason.", "tenant", "reason");
        _prefixCacheHits = f.CreateCounter("cinder_prefix_cache_hits_total", "Requests that reused cached prompt blocks.", tenant);
        _prefixCacheHitTokens = f.CreateCounter("cinder_prefix_cache_hit_tokens_total", "Prompt tokens served from the prefix cache.", tenant);
        _preemptions = f.CreateCounter("cinder_preemptions_total", "Running sequences that gave up their slot and KV blocks (out of blocks, or for a tenant with none), to be recomputed.", tenant);
        Registry.AddBeforeCollectCallback(() =>
        {
            if (_engine() is not { } engine) return;
            _running.Set(engine.RunningCount);
            _waiting.Set(engine.WaitingCount);
            _kvUsage.Set(engine.KvUsage);
        });
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Where the scrape-time gauges come from (the engine exists only once the model is loaded).</summary>
    public void Attach(Func<InferenceEngine?> engine) => _engine = engine;

    /// <summary>Creates each tenant's series at zero, so dashboards see every tenant before its first request.</summary>
    public void Publish(IEnumerable<string> tenants)
    {
        foreach (var t in tenants)
        {
            _timeToFirstToken.WithLabels(t);
            _timePerOutputToken.WithLabels(t);
            _e2eLatency.WithLabels(t);
            _promptTokens.WithLabels(t);
            _generatedTokens.WithLabels(t);
            _prefixCacheHits.WithLabels(t);
            _prefixCacheHitTokens.WithLabels(t);
            _preemptions.WithLabels(t);
        }
    }

    public void RequestRejected(string tenant, string reason)
    {
        _requests.WithLabels(tenant, "rejected").Inc();
        _rejections.WithLabels(tenant, reason).Inc();
    }

    public void FirstToken(string tenant, TimeSpan timeToFirstToken) => _timeToFirstToken.WithLabels(tenant).Observe(timeToFirstToken.TotalSeconds);

    public void NextToken(string tenant, TimeSpan timePerOutputToken) => _timePerOutputToken.WithLabels(tenant).Observe(timePerOutputToken.TotalSeconds);

    public void RequestFinished(string tenant, FinishReason reason, int promptTokens, int completionTokens, TimeSpan elapsed)
    {
        _requests.WithLabels(tenant, reason switch
        {
            FinishReason.Stop => "stop",
            FinishReason.Length => "length",
            FinishReason.Cancelled => "cancelled",
            _ => "error",
        }).Inc();
        _promptTokens.WithLabels(tenant).Inc(promptTokens);
        _generatedTokens.WithLabels(tenant).Inc(completionTokens);
        _e2eLatency.WithLabels(tenant).Observe(elapsed.TotalSeconds);
    }

    public void PrefixCacheHit(string tenant, int tokens)
    {
        _prefixCacheHits.WithLabels(tenant).Inc();
        _prefixCacheHitTokens.WithLabels(tenant).Inc(tokens);
    }

    public void SequencePreempted(string tenant) => _preemptions.WithLabels(tenant).Inc();

    public void StepCompleted(int sequences, int tokens, int running, int waiting, double kvUsage)
    {
        _batchSize.Observe(sequences);
        _running.Set(running);
        _waiting.Set(waiting);
        _kvUsage.Set(kvUsage);
    }
}
