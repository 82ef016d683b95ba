using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Cinder.Engine.Sampling;
using Cinder.Engine.Scheduling;
using Cinder.Kernels.Threading;
using Cinder.Models;
using Cinder.Tokenizers;

namespace Cinder.Engine;

/// <summary>
/// The engine loop: one thread owns the model, the KV cache and the scheduler, and advances every running
/// sequence together in each forward pass (continuous batching). Requests come in through
/// <see cref="Submit"/>, which answers at once whether the scheduler accepted them; tokens go out through
/// each request's channel. Nothing else touches the model.
/// </summary>
public sealed class InferenceEngine : IDisposable
{
    private readonly LanguageModel _model;
    private readonly Tokenizer _tokenizer;
    private readonly IEngineObserver _observer;
    private readonly WorkerPool _pool;
    private readonly KvCache _cache;
    private readonly IForwardWorkspace _workspace;
    private readonly ForwardBatch _batch;
    private readonly Scheduler _scheduler;
    private readonly object _gate = new(); // guards the scheduler between the loop and Submit
    private readonly ConcurrentQueue<Active> _cancellations = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Active> _sampled = new();
    private volatile bool _stopping;
    private long _nextId;
    private Exception? _fatal;

    public InferenceEngine(LanguageModel model, Tokenizer tokenizer, EngineOptions options, IEngineObserver? observer = null)
    {
        _model = model;
        _tokenizer = tokenizer;
        _observer = observer ?? NullObserver.Instance;
        Options = options;
        ContextLength = options.ContextLength > 0 ? Math.Min(options.ContextLength, model.ContextLength) : model.ContextLength;
        int kvTokens = options.KvTokens > 0 ? options.KvTokens : ContextLength;
        int blocks = (kvTokens + options.BlockSize - 1) / options.BlockSize;
        _scheduler = new Scheduler(new SchedulerOptions
        {
            MaxRunning = options.MaxRunning,
            TokenBudget = Math.Max(options.TokenBudget, options.MaxRunning),
            BlockSize = options.BlockSize,
            BlockCount = blocks,
            MaxQueue = options.MaxQueue,
            ContextLength = ContextLength,
            PrefixCaching = options.PrefixCaching,
        });
        _pool = new WorkerPool(options.Threads);
        _cache = new KvCache(model.LayerCount, model.KvDim, blocks, options.BlockSize);
        _workspace = model.CreateWorkspace(_scheduler.Options.TokenBudget, _pool);
        _batch = new ForwardBatch(_scheduler.Options.TokenBudget);
        _thread = new Thread(Loop) { IsBackground = true, Name = "cinder-engine" };
        _thread.Start();
    }

    public EngineOptions Options { get; }
    public LanguageModel Model => _model;
    public Tokenizer Tokenizer => _tokenizer;

    /// <summary>Longest sequence (prompt plus generation) this engine runs.</summary>
    public int ContextLength { get; }

    /// <summary>Tokens the KV cache holds in all.</summary>
    public int KvCapacity => _scheduler.KvCapacity;

    public int Threads => _pool.Threads;

    public int RunningCount { get { lock (_gate) return _scheduler.Running.Count; } }

    public int WaitingCount { get { lock (_gate) return _scheduler.WaitingCount; } }

    public double KvUsage { get { lock (_gate) return _scheduler.Blocks.Usage; } }

    public bool IsDraining { get { lock (_gate) return _scheduler.IsDraining; } }

    /// <summary>Set when the engine thread failed; every later request fails with it.</summary>
    public Exception? Fault => _fatal;

    /// <summary>
    /// Queues a generation or throws <see cref="AdmissionRejectedException"/> when a limit refuses it.
    /// Cancelling <paramref name="cancellation"/> (a client that went away) stops it at the next step.
    /// </summary>
    public GenerationHandle Submit(GenerationRequest request, CancellationToken cancellation = default)
    {
        request.Sampling.Validate();
        if (_fatal is { } fatal) throw new InvalidOperationException("the inference engine has failed", fatal);
        ObjectDisposedException.ThrowIf(_stopping, this);
        if (request.PromptIds.Count == 0) throw new ArgumentException("the prompt is empty", nameof(request));
        if (request.MaxTokens < 1) throw new ArgumentOutOfRangeException(nameof(request), "max_tokens must be at least 1");
        foreach (var id in request.PromptIds)
        {
            if ((uint)id >= (uint)_model.VocabSize) throw new ArgumentOutOfRangeException(nameof(request), $"token id {id} is outside the vocabulary of {_model.VocabSize}");
        }
        long id64 = Interlocked.Increment(ref _nextId);
        var channel = Channel.CreateUnbounded<GenerationEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var sequence = new ScheduledSequence(id64, request.Tenant, request.PromptIds, request.MaxTokens, _clock.Elapsed.Ticks);
        var active = new Active(request, sequence, channel.Writer, new Sampler(_model.VocabSize, request.Sampling), _tokenizer.CreateStreamingDetokenizer(), _clock.Elapsed);
        sequence.Tag = active;
        var handle = new GenerationHandle(id64, request.PromptIds.Count, channel.Reader, _ => Cancel(active));
        AdmissionResult result;
        lock (_gate) result = _scheduler.TryEnqueue(sequence, _clock.Elapsed.Ticks);
        if (!result.IsAccepted)
        {
            _observer.RequestRejected(request.Tenant.Name, result.Reason.ToString());
            throw new AdmissionRejectedException(result);
        }
        if (cancellation.CanBeCanceled) active.Registration = cancellation.Register(() => Cancel(active));
        _wake.Release();
        return handle;
    }

    /// <summary>Refuses new requests from now on (running and waiting ones continue).</summary>
    public void StopAccepting()
    {
        lock (_gate) _scheduler.StartDraining();
    }

    /// <summary>Waits until nothing is running or waiting, or the timeout passes (then cancels what is left). True when drained in time.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        StopAccepting();
        var deadline = _clock.Elapsed + timeout;
        while (_clock.Elapsed < deadline)
        {
            if (RunningCount == 0 && WaitingCount == 0) return true;
            await Task.Delay(20).ConfigureAwait(false);
        }
        List<Active> left;
        lock (_gate) left = _scheduler.Running.Select(s => (Active)s.Tag!).ToList();
        foreach (var a in left) Cancel(a);
        return RunningCount == 0 && WaitingCount == 0;
    }

    private void Cancel(Active active)
    {
        if (active.Done) return;
        _cancellations.Enqueue(active);
        _wake.Release();
    }

    private void Loop()
    {
        try
        {
            while (!_stopping)
            {
                ScheduleStep step;
                lock (_gate)
                {
                    while (_cancellations.TryDequeue(out var c)) Complete(c, FinishReason.Cancelled);
                    step = _scheduler.Schedule(_clock.Elapsed.Ticks);
                    foreach (var s in step.Admitted)
                    {
                        if (s.CachedPromptTokens > 0) _observer.PrefixCacheHit(s.Tenant.Name, s.CachedPromptTokens);
                    }
                    foreach (var s in step.Preempted) _observer.SequencePreempted(s.Tenant.Name);
                    if (!step.IsEmpty) BuildBatch(step);
                }
                if (step.IsEmpty)
                {
                    _wake.Wait(TimeSpan.FromMilliseconds(250));
                    continue;
                }

                var logits = _workspace.Forward(_batch);

                lock (_gate)
                {
                    _scheduler.Commit(step);
                    int row = 0;
                    foreach (var item in step.Items)
                    {
                        if (!item.Sample) continue;
                        var active = (Active)item.Sequence.Tag!;
                        var rowLogits = logits.Slice(row++ * _model.VocabSize, _model.VocabSize);
                        if (!active.Done) Advance(active, rowLogits);
                    }
                    _observer.StepCompleted(step.Items.Count, step.TokenCount, _scheduler.Running.Count, _scheduler.WaitingCount, _scheduler.Blocks.Usage);
                }
            }
        }
        catch (Exception e)
        {
            _fatal = e;
            lock (_gate)
            {
                foreach (var s in _scheduler.Running.ToList()) Fail((Active)s.Tag!, e);
            }
        }
    }

    /// <summary>Fills the forward batch from the step: each item's tokens with their positions and the sequence's block table.</summary>
    private void BuildBatch(ScheduleStep step)
    {
        _batch.Clear();
        foreach (var item in step.Items)
        {
            var active = (Active)item.Sequence.Tag!;
            var kv = active.Kv ??= new KvSequence(_cache, ContextLength);
            kv.AssignBlocks(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(item.Sequence.Blocks), item.Start);
            var tokens = item.Sequence.Tokens;
            for (int i = 0; i < item.Count; i++)
                _batch.Add(tokens[item.Start + i], item.Start + i, kv, item.Sample && i == item.Count - 1);
        }
    }

    /// <summary>Samples the next token of a sequence, streams its text and ends the sequence when a stop condition holds.</summary>
    private void Advance(Active a, ReadOnlySpan<float> logits)
    {
        var s = a.Sequence;
        int token = a.Sampler.Sample(logits, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(s.Tokens));
        var now = _clock.Elapsed;
        _scheduler.Append(s, token, now.Ticks);
        if (a.FirstTokenAt is null)
        {
            a.FirstTokenAt = now;
            _observer.FirstToken(s.Tenant.Name, now - a.SubmittedAt);
        }
        else
        {
            _observer.NextToken(s.Tenant.Name, now - a.LastTokenAt);
        }
        a.LastTokenAt = now;

        if (!a.Request.IgnoreEos && _tokenizer.IsEndOfGeneration(token))
        {
            Complete(a, FinishReason.Stop);
            return;
        }
        string text = a.Stops.Push(a.Detokenizer.Append(token));
        a.Writer.TryWrite(new TokenEvent(token, text));
        if (a.Stops.Stopped)
        {
            Complete(a, FinishReason.Stop);
            return;
        }
        if (s.Generated >= a.Request.MaxTokens) Complete(a, FinishReason.Length);
    }

    private void Complete(Active a, FinishReason reason)
    {
        if (a.Done) return;
        a.Done = true;
        _scheduler.Finish(a.Sequence);
        if (reason is FinishReason.Stop or FinishReason.Length)
        {
            // Text held back as a possible stop sequence, or a partial character, is released at the end.
            string tail = a.Stops.Push(a.Detokenizer.Flush()) + a.Stops.Flush();
            if (tail.Length > 0) a.Writer.TryWrite(new TokenEvent(-1, tail));
        }
        var elapsed = _clock.Elapsed - a.SubmittedAt;
        var ttft = a.FirstTokenAt is { } f ? f - a.SubmittedAt : elapsed;
        a.Writer.TryWrite(new CompletionEvent(reason, a.Sequence.PromptLength, a.Sequence.Generated, a.Sequence.CachedPromptTokens, ttft, elapsed));
        a.Writer.TryComplete();
        a.Registration.Dispose();
        _observer.RequestFinished(a.Sequence.Tenant.Name, reason, a.Sequence.PromptLength, a.Sequence.Generated, elapsed);
    }

    private void Fail(Active a, Exception e)
    {
        if (a.Done) return;
        a.Done = true;
        _scheduler.Finish(a.Sequence);
        var elapsed = _clock.Elapsed - a.SubmittedAt;
        a.Writer.TryWrite(new CompletionEvent(FinishReason.Error, a.Sequence.PromptLength, a.Sequence.Generated, a.Sequence.CachedPromptTokens, elapsed, elapsed, e.Message));
        a.Writer.TryComplete();
        _observer.RequestFinished(a.Sequence.Tenant.Name, FinishReason.Error, a.Sequence.PromptLength, a.Sequence.Generated, elapsed);
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _wake.Release();
        _thread.Join();
        lock (_gate)
        {
            foreach (var s in _scheduler.Running.ToList()) Complete((Active)s.Tag!, FinishReason.Cancelled);
        }
        _workspace.Dispose();
        _cache.Dispose();
        _pool.Dispose();
        _wake.Dispose();
    }

    /// <summary>The engine's state for one request.</summary>
    private sealed class Active(GenerationRequest request, ScheduledSequence sequence, ChannelWriter<GenerationEvent> writer, Sampler sampler, StreamingDetokenizer detokenizer, TimeSpan submittedAt)
    {
        public GenerationRequest Request { get; } = request;
        public ScheduledSequence Sequence { get; } = sequence;
        public ChannelWriter<GenerationEvent> Writer { get; } = writer;
        public Sampler Sampler { get; } = sampler;
        public StreamingDetokenizer Detokenizer { get; } = detokenizer;
        public StopMatcher Stops { get; } = new(request.Stop);
        public TimeSpan SubmittedAt { get; } = submittedAt;
        public TimeSpan? FirstTokenAt { get; set; }
        public TimeSpan LastTokenAt { get; set; }
        public KvSequence? Kv { get; set; }
        public bool Done { get; set; }
        public CancellationTokenRegistration Registration { get; set; }
    }

    private sealed class NullObserver : IEngineObserver
    {
        public static readonly NullObserver Instance = new();
    }
}
