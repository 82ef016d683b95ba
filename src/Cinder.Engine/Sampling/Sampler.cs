using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cinder.Engine.Sampling;

/// <summary>
/// Chooses tokens for one sequence. Holds its own random state (seeded from the parameters) and scratch
/// buffers sized for the vocabulary, so sampling a token allocates nothing.
/// </summary>
public sealed class Sampler
{
    private readonly float[] _logits;     // (vocab) working copy of the logits, penalties applied
    private readonly int[] _candidates;   // (vocab) token ids, sorted by logit when filtering
    private readonly float[] _probs;      // (vocab) probabilities of the sorted candidates
    private readonly float[] _sortKeys;   // (vocab) negated logits: Array.Sort(keys, items) sorts without a comparer delegate
    private readonly Dictionary<int, int> _counts = new();
    private SamplingParameters _parameters;
    private ulong _state;

    public Sampler(int vocabSize, SamplingParameters parameters)
    {
        parameters.Validate();
        VocabSize = vocabSize;
        _logits = new float[vocabSize];
        _candidates = new int[vocabSize];
        _probs = new float[vocabSize];
        _sortKeys = new float[vocabSize];
        _parameters = parameters;
        _state = parameters.Seed;
    }

    public int VocabSize { get; }

    public SamplingParameters Parameters => _parameters;

    /// <summary>Starts over with new parameters (and their seed).</summary>
    public void Reset(SamplingParameters parameters)
    {
        parameters.Validate();
        _parameters = parameters;
        _state = parameters.Seed;
    }

    /// <summary>The next token, given the logits and the sequence so far (prompt and generated ids, for penalties).</summary>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history)
    {
        if (logits.Length != VocabSize) throw new ArgumentException($"expected {VocabSize} logits, got {logits.Length}", nameof(logits));
        var p = _parameters;
        logits.CopyTo(_logits);
        ApplyPenalties(_logits, history, p);
        if (p.IsGreedy) return ArgMax(_logits);

        // Sort candidates by logit once; every filter then keeps a prefix.
        int n = VocabSize;
        int keep = n;
        if (p.TopK > 0 && p.TopK < n)
        {
            PartialSortTop(_candidates, p.TopK);
            keep = p.TopK;
        }
        else
        {
            for (int i = 0; i < n; i++) _candidates[i] = i;
            SortByLogit(n);
        }

        // Softmax over the kept candidates (before temperature, as llama.cpp's top-p and min-p see it).
        Softmax(keep, 1f);
        if (p.TopP < 1f)
        {
            float cumulative = 0;
            for (int i = 0; i < keep; i++)
            {
                cumulative += _probs[i];
                if (cumulative >= p.TopP)
                {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (p.MinP > 0f)
        {
            float threshold = _probs[0] * p.MinP;
            int k = 1;
            while (k < keep && _probs[k] >= threshold) k++;
            keep = k;
        }

        // Temperature, then draw.
        Softmax(keep, p.Temperature);
        double u = NextDouble();
        double acc = 0;
        for (int i = 0; i < keep; i++)
        {
            acc += _probs[i];
            if (u < acc) return _candidates[i];
        }
        return _candidates[keep - 1];
    }

    /// <summary>Index of the largest value (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>
    /// Repetition, presence and frequency penalties over the last PenaltyLastN tokens of the history
    /// (llama.cpp's penalties sampler): a seen token's logit is divided by the repetition penalty when
    /// positive and multiplied when negative, then lowered by count·frequency + presence.
    /// </summary>
    internal void ApplyPenalties(Span<float> logits, ReadOnlySpan<int> history, SamplingParameters p)
    {
        if (p.RepetitionPenalty == 1f && p.PresencePenalty == 0f && p.FrequencyPenalty == 0f) return;
        int window = p.PenaltyLastN < 0 ? history.Length : Math.Min(p.PenaltyLastN, history.Length);
        if (window == 0) return;
        _counts.Clear();
        foreach (var id in history[^window..])
        {
            if ((uint)id < (uint)logits.Length) _counts[id] = _counts.GetValueOrDefault(id) + 1;
        }
        foreach (var (id, count) in _counts)
        {
            float l = logits[id];
            l = l > 0 ? l / p.RepetitionPenalty : l * p.RepetitionPenalty;
            l -= count * p.FrequencyPenalty + (count > 0 ? p.PresencePenalty : 0f);
            logits[id] = l;
        }
    }

    private void Softmax(int count, float temperature)
    {
        float max = _logits[_candidates[0]];
        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            float e = MathF.Exp((_logits[_candidates[i]] - max) / temperature);
            _probs[i] = e;
            sum += e;
        }
        float inv = (float)(1.0 / sum);
        for (int i = 0; i < count; i++) _probs[i] *= inv;
    }

    /// <summary>Puts the ids of the k largest logits at the front of ids, sorted descending (a bounded selection: O(n log k)).</summary>
    private void PartialSortTop(int[] ids, int k)
    {
        // Min-heap of size k on the logits, seeded with ids 0..k-1.
        var logits = _logits;
        for (int i = 0; i < k; i++)
        {
            ids[i] = i;
            SiftUp(ids, i, logits);
        }
        // Every id in the heap is lower than the one scanned, so a tie keeps the heap as it is: an id enters only with
        // a logit strictly above the heap's smallest. Whole vectors at or below it (nearly all, once the heap holds
        // likely tokens) are passed over with one comparison.
        int n = logits.Length, next = k;
        if (Vector.IsHardwareAccelerated)
        {
            for (; next + Vector<float>.Count <= n; next += Vector<float>.Count)
            {
                if (!Vector.GreaterThanAny(new Vector<float>(logits, next), new Vector<float>(logits[ids[0]]))) continue;
                for (int j = next; j < next + Vector<float>.Count; j++) Offer(ids, j, k, logits);
            }
        }
        for (; next < n; next++) Offer(ids, next, k, logits);
        SortByLogit(k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer(int[] heap, int id, int k, float[] logits)
    {
        if (!(logits[id] > logits[heap[0]])) return;
        heap[0] = id;
        SiftDown(heap, 0, k, logits);
    }

    /// <summary>Sorts the first <paramref name="count"/> candidates by descending logit.</summary>
    private void SortByLogit(int count)
    {
        for (int i = 0; i < count; i++) _sortKeys[i] = -_logits[_candidates[i]];
        Array.Sort(_sortKeys, _candidates, 0, count);
    }

    // Ties break towards the lower id so results do not depend on the scan order.
    private static bool Better(int a, int b, float[] logits) => logits[a] > logits[b] || (logits[a] == logits[b] && a < b);

    private static void SiftUp(int[] heap, int i, float[] logits)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Better(heap[parent], heap[i], logits)) break;
            (heap[parent], heap[i]) = (heap[i], heap[parent]);
            i = parent;
        }
    }

    private static void SiftDown(int[] heap, int i, int size, float[] logits)
    {
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, worst = i;
            if (l < size && Better(heap[worst], heap[l], logits)) worst = l;
            if (r < size && Better(heap[worst], heap[r], logits)) worst = r;
            if (worst == i) return;
            (heap[worst], heap[i]) = (heap[i], heap[worst]);
            i = worst;
        }
    }

    /// <summary>Uniform in [0, 1) from xoshiro-style splitmix state: reproducible for a seed on every platform.</summary>
    private double NextDouble()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
