using Cinder.Core;
using Cinder.Gguf;
using Cinder.Kernels;
using Cinder.Kernels.Formats;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Ops;
using Cinder.Kernels.Threading;

namespace Cinder.Models;

/// <summary>
/// The LLaMA architecture (LLaMA 1/2/3, TinyLlama, Mistral without sliding window, llama2.c models):
/// token embedding, RMSNorm, rotary position embedding, grouped-query attention over a paged KV cache,
/// SwiGLU feed-forward, output norm and head (tied to the embedding when output.weight is absent).
/// </summary>
public sealed unsafe class LlamaModel : LanguageModel
{
    // ---- Hyper-parameters -------------------------------------------------------------------------------

    /// <summary>Hyper-parameters read from GGUF metadata ({arch}.* keys).</summary>
    public sealed record Hyperparameters(
        int Dim, int Layers, int Heads, int KvHeads, int Ffn, int ContextLength, float RmsEps, float RopeFreqBase, int RopeDims, int Vocab)
    {
        public int HeadDim => Dim / Heads;
        public int KvDim => HeadDim * KvHeads;

        public static Hyperparameters Read(GgufMetadata m, string arch, int vocab)
        {
            int dim = Int(m, $"{arch}.embedding_length");
            int heads = Int(m, $"{arch}.attention.head_count");
            int kvHeads = m.Contains($"{arch}.attention.head_count_kv") ? Int(m, $"{arch}.attention.head_count_kv") : heads;
            if (heads <= 0 || dim % heads != 0) throw new ModelFormatException($"embedding length {dim} is not divisible by {heads} heads");
            if (kvHeads <= 0 || heads % kvHeads != 0) throw new ModelFormatException($"{heads} heads is not a multiple of {kvHeads} KV heads");
            int headDim = dim / heads;
            int ropeDims = m.Contains($"{arch}.rope.dimension_count") ? Int(m, $"{arch}.rope.dimension_count") : headDim;
            if (ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0) throw new ModelFormatException($"rope dimension count {ropeDims} must be even and at most the head size {headDim}");
            return new Hyperparameters(
                dim,
                Int(m, $"{arch}.block_count"),
                heads,
                kvHeads,
                Int(m, $"{arch}.feed_forward_length"),
                Int(m, $"{arch}.context_length"),
                (float)m.GetNumber($"{arch}.attention.layer_norm_rms_epsilon", 1e-5),
                (float)m.GetNumber($"{arch}.rope.freq_base", 10000.0),
                ropeDims,
                vocab);
        }

        private static int Int(GgufMetadata m, string key)
        {
            long v = m.GetInteger(key);
            if (v <= 0 || v > 1 << 24) throw new ModelFormatException($"metadata key '{key}' is {v}; expected a positive size");
            return (int)v;
        }
    }

    // ---- Tensor-name map --------------------------------------------------------------------------------

    /// <summary>GGUF tensor names (llama.cpp's LLM_TENSOR_* for LLM_ARCH_LLAMA).</summary>
    private static class Names
    {
        public const string TokenEmbedding = "token_embd.weight";
        public const string OutputNorm = "output_norm.weight";
        public const string Output = "output.weight";
        public static string AttnNorm(int l) => $"blk.{l}.attn_norm.weight";
        public static string Q(int l) => $"blk.{l}.attn_q.weight";
        public static string K(int l) => $"blk.{l}.attn_k.weight";
        public static string V(int l) => $"blk.{l}.attn_v.weight";
        public static string AttnOutput(int l) => $"blk.{l}.attn_output.weight";
        public static string FfnNorm(int l) => $"blk.{l}.ffn_norm.weight";
        public static string Gate(int l) => $"blk.{l}.ffn_gate.weight";
        public static string Up(int l) => $"blk.{l}.ffn_up.weight";
        public static string Down(int l) => $"blk.{l}.ffn_down.weight";
    }

    private sealed class Layer
    {
        public required float[] AttnNorm;          // (dim)
        public required PreparedWeight Qkv;        // (dim -> dim + 2·kvDim): Q, K and V stacked
        public required PreparedWeight AttnOutput; // (dim -> dim)
        public required float[] FfnNorm;           // (dim)
        public required PreparedWeight GateUp;     // (dim -> 2·ffn): gate and up stacked
        public required PreparedWeight Down;       // (ffn -> dim)

        public IEnumerable<PreparedWeight> Matrices => new[] { Qkv, AttnOutput, GateUp, Down };
    }

    private readonly Layer[] _layers;
    private readonly WeightMatrix _embedding; // (dim -> vocab): row t is token t's embedding
    private readonly float[] _outputNorm;     // (dim)
    private readonly PreparedWeight _output;  // (dim -> vocab), the embedding itself when tied
    private readonly Rope _rope;
    private readonly bool _repack;

    /// <param name="file">The model file; the model owns it from now on.</param>
    /// <param name="repack">Copy integer weights into the kernels' packed layout (off only to measure what it buys).</param>
    public LlamaModel(GgufFile file, bool repack = true) : base(file)
    {
        _repack = repack;
        var m = file.Metadata;
        var arch = m.GetString("general.architecture");
        Architecture = arch;
        var embd = file.GetTensor(Names.TokenEmbedding);
        if (embd.Shape.Length != 2) throw new ModelFormatException($"{Names.TokenEmbedding} must be 2-D");
        Config = Hyperparameters.Read(m, arch, checked((int)embd.Shape[1]));
        var c = Config;
        _embedding = Matrix(Names.TokenEmbedding, c.Dim, c.Vocab);
        _outputNorm = Vector(Names.OutputNorm, c.Dim);
        _output = Prepare(file.TryGetTensor(Names.Output, out _) ? Matrix(Names.Output, c.Dim, c.Vocab) : _embedding);
        TiedEmbeddings = !file.TryGetTensor(Names.Output, out _);
        _layers = new Layer[c.Layers];
        for (int l = 0; l < c.Layers; l++)
        {
            _layers[l] = new Layer
            {
                AttnNorm = Vector(Names.AttnNorm(l), c.Dim),
                Qkv = Prepare(Matrix(Names.Q(l), c.Dim, c.Dim), Matrix(Names.K(l), c.Dim, c.KvDim), Matrix(Names.V(l), c.Dim, c.KvDim)),
                AttnOutput = Prepare(Matrix(Names.AttnOutput(l), c.Dim, c.Dim)),
                FfnNorm = Vector(Names.FfnNorm(l), c.Dim),
                GateUp = Prepare(Matrix(Names.Gate(l), c.Dim, c.Ffn), Matrix(Names.Up(l), c.Dim, c.Ffn)),
                Down = Prepare(Matrix(Names.Down(l), c.Ffn, c.Dim)),
            };
        }
        _rope = new Rope(c.RopeDims, c.RopeFreqBase);
    }

    public Hyperparameters Config { get; }

    /// <summary>True when the output head reuses the token embedding (no output.weight in the file).</summary>
    public bool TiedEmbeddings { get; }

    public override string Architecture { get; }
    public override int VocabSize => Config.Vocab;
    public override int ContextLength => Config.ContextLength;
    public override int LayerCount => Config.Layers;
    public override int KvDim => Config.KvDim;

    public override long WeightBytesPerToken
    {
        get
        {
            long bytes = _output.Bytes;
            foreach (var l in _layers)
            {
                foreach (var w in l.Matrices) bytes += w.Bytes;
            }
            return bytes;
        }
    }

    private WeightMatrix Matrix(string name, long columns, long rows)
    {
        var t = File.GetTensor(name);
        if (t.Shape.Length != 2 || t.Shape[0] != columns || t.Shape[1] != rows)
            throw new ModelFormatException($"tensor '{name}' has shape [{string.Join(", ", t.Shape)}], expected [{columns}, {rows}]");
        return new WeightMatrix(name, t.Type, File.GetPointer(t), (int)rows, (int)columns);
    }

    /// <summary>
    /// Packs a matrix for the integer kernels when a packed layout exists for its type, and then lets the
    /// kernel drop the file pages behind it (the packed copy replaces them; resident memory stays about the
    /// size of the model).
    /// </summary>
    private PreparedWeight Prepare(params WeightMatrix[] parts)
    {
        var prepared = PreparedWeight.Stack(parts, _repack);
        if (!prepared.OwnsCopy) return prepared;
        foreach (var w in parts)
        {
            if (w.Name == Names.TokenEmbedding) continue; // still read row by row for the embedding
            var t = File.GetTensor(w.Name);
            File.Memory.AdviseDontNeed(t.DataOffset, t.ByteSize);
        }
        return prepared;
    }

    public override void Dispose()
    {
        foreach (var l in _layers) foreach (var m in l.Matrices) m.Dispose();
        _output.Dispose();
        base.Dispose();
    }

    private float[] Vector(string name, int length)
    {
        var t = File.GetTensor(name);
        if (t.Shape.Length != 1 || t.Shape[0] != length)
            throw new ModelFormatException($"tensor '{name}' has shape [{string.Join(", ", t.Shape)}], expected [{length}]");
        var v = new float[length];
        TensorFormat.DequantizeRow(t.Type, File.GetData(t), v);
        return v;
    }

    public override IForwardWorkspace CreateWorkspace(int maxBatchTokens, WorkerPool pool) => new Workspace(this, maxBatchTokens, pool);

    // ---- Forward pass -----------------------------------------------------------------------------------

    /// <summary>Activations for up to MaxBatchTokens tokens, allocated once; shapes in comments.</summary>
    private sealed class Workspace : IForwardWorkspace
    {
        private readonly LlamaModel _model;
        private readonly WorkerPool _pool;
        private readonly MatMul _matmul;
        private readonly AttentionJob _attention;
        private readonly float[] _x;      // (batch, dim) the residual stream
        private readonly float[] _xb;     // (batch, dim) normalised input of a sub-block
        private readonly float[] _qkv;    // (batch, dim + 2·kvDim) per token: queries (heads × headDim), keys, values
        private readonly float[] _att;    // (batch, dim) attention output before the output projection
        private readonly float[] _proj;   // (batch, dim) output of attn_output or ffn_down
        private readonly float[] _gateUp; // (batch, 2·ffn) per token: gate, then up
        private readonly float[] _hidden; // (batch, ffn) silu(gate) · up
        private readonly float[] _outX;   // (outputs, dim) final normalised rows whose logits are wanted
        private readonly float[] _logits; // (outputs, vocab)

        public Workspace(LlamaModel model, int maxBatchTokens, WorkerPool pool)
        {
            if (maxBatchTokens <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatchTokens));
            _model = model;
            _pool = pool;
            MaxBatchTokens = maxBatchTokens;
            var c = model.Config;
            _matmul = new MatMul(pool);
            _attention = new AttentionJob(pool.Threads, c.HeadDim, c.Heads, c.Heads / c.KvHeads);
            _x = new float[maxBatchTokens * c.Dim];
            _xb = new float[maxBatchTokens * c.Dim];
            _qkv = new float[maxBatchTokens * (c.Dim + 2 * c.KvDim)];
            _att = new float[maxBatchTokens * c.Dim];
            _proj = new float[maxBatchTokens * c.Dim];
            _gateUp = new float[maxBatchTokens * 2 * c.Ffn];
            _hidden = new float[maxBatchTokens * c.Ffn];
            _outX = new float[maxBatchTokens * c.Dim];
            _logits = new float[(long)maxBatchTokens * c.Vocab];
        }

        public int MaxBatchTokens { get; }

        public ReadOnlySpan<float> Forward(ForwardBatch batch)
        {
            var m = _model;
            var c = m.Config;
            int n = batch.Count;
            if (n == 0) return ReadOnlySpan<float>.Empty;
            if (n > MaxBatchTokens) throw new ArgumentException($"batch of {n} tokens exceeds the workspace's {MaxBatchTokens}");
            var tokens = batch.Tokens;
            var positions = batch.Positions;
            var sequences = batch.Sequences;
            for (int t = 0; t < n; t++)
            {
                if ((uint)tokens[t] >= (uint)c.Vocab) throw new ArgumentOutOfRangeException(nameof(batch), $"token id {tokens[t]} is outside the vocabulary of {c.Vocab}");
                int pos = positions[t];
                if (pos >= c.ContextLength) throw new ContextOverflowException(pos + 1, c.ContextLength);
                if (!sequences[t].TryReserve(pos + 1)) throw new KvCacheFullException(sequences[t].Cache.Capacity);
            }

            // x = embedding rows of the tokens
            for (int t = 0; t < n; t++)
                TensorFormat.DequantizeRow(m._embedding.Type, m._embedding.RowSpan(tokens[t]), _x.AsSpan(t * c.Dim, c.Dim));

            for (int l = 0; l < c.Layers; l++)
            {
                var layer = m._layers[l];
                // Attention block: xb = norm(x); q, k, v = projections; rope; cache; attend; x += Wo · att
                for (int t = 0; t < n; t++) RmsNorm.Apply(_x.AsSpan(t * c.Dim, c.Dim), layer.AttnNorm, c.RmsEps, _xb.AsSpan(t * c.Dim, c.Dim));
                _matmul.Multiply(layer.Qkv, _xb, _qkv, n);
                int stride = c.Dim + 2 * c.KvDim;
                for (int t = 0; t < n; t++)
                {
                    var q = _qkv.AsSpan(t * stride, c.Dim);
                    var k = _qkv.AsSpan(t * stride + c.Dim, c.KvDim);
                    var v = _qkv.AsSpan(t * stride + c.Dim + c.KvDim, c.KvDim);
                    m._rope.Apply(q, c.HeadDim, positions[t]);
                    m._rope.Apply(k, c.HeadDim, positions[t]);
                    var seq = sequences[t];
                    int slot = seq.Slot(positions[t]);
                    Fp16.FromFloat(k, new Span<Half>(seq.Cache.Key(l, slot), c.KvDim));
                    Fp16.FromFloat(v, new Span<Half>(seq.Cache.Value(l, slot), c.KvDim));
                }
                fixed (float* qkv = _qkv)
                fixed (float* att = _att)
                {
                    _attention.Set(l, c, qkv, stride, att, batch);
                    _pool.Run(_attention);
                }
                _matmul.Multiply(layer.AttnOutput, _att, _proj, n);
                Add(_x.AsSpan(0, n * c.Dim), _proj.AsSpan(0, n * c.Dim));

                // Feed-forward block: x += Wdown · (silu(Wgate · xb) ⊙ (Wup · xb)), xb = norm(x)
                for (int t = 0; t < n; t++) RmsNorm.Apply(_x.AsSpan(t * c.Dim, c.Dim), layer.FfnNorm, c.RmsEps, _xb.AsSpan(t * c.Dim, c.Dim));
                _matmul.Multiply(layer.GateUp, _xb, _gateUp, n);
                for (int t = 0; t < n; t++)
                    SwiGlu.Apply(_gateUp.AsSpan(2 * t * c.Ffn, c.Ffn), _gateUp.AsSpan((2 * t + 1) * c.Ffn, c.Ffn), _hidden.AsSpan(t * c.Ffn, c.Ffn));
                _matmul.Multiply(layer.Down, _hidden, _proj, n);
                Add(_x.AsSpan(0, n * c.Dim), _proj.AsSpan(0, n * c.Dim));
            }

            for (int t = 0; t < n; t++) sequences[t].Length = Math.Max(sequences[t].Length, positions[t] + 1);

            // Output head, only for the tokens whose logits are wanted.
            int outputs = 0;
            var wants = batch.WantsLogits;
            for (int t = 0; t < n; t++)
            {
                if (!wants[t]) continue;
                RmsNorm.Apply(_x.AsSpan(t * c.Dim, c.Dim), m._outputNorm, c.RmsEps, _outX.AsSpan(outputs * c.Dim, c.Dim));
                outputs++;
            }
            if (outputs == 0) return ReadOnlySpan<float>.Empty;
            _matmul.Multiply(m._output, _outX, _logits, outputs);
            return _logits.AsSpan(0, outputs * c.Vocab);
        }

        private static void Add(Span<float> x, ReadOnlySpan<float> y)
        {
            for (int i = 0; i < x.Length; i++) x[i] += y[i];
        }

        public void Dispose() => _matmul.Dispose();
    }

    /// <summary>
    /// Causal attention of each new token over its sequence's cached keys and values, split across workers
    /// by (token, head). It follows llama.cpp's CPU flash attention (one pass, online softmax) including its
    /// precision, which depends on the batch: for fewer than <see cref="F32AttentionBatch"/> tokens the query
    /// is rounded to F16 like the cached keys and the weighted sum of values accumulates in F16 (llama.cpp's
    /// one-chunk kernel); for larger batches everything accumulates in F32 (its tiled kernel). Following it
    /// is what makes our logits match llama.cpp's to 1e-5 rather than 1e-2 — and the F32 path is also the
    /// faster one for long prompts.
    /// </summary>
    private sealed class AttentionJob : IParallelJob
    {
        /// <summary>Batches of at least this many tokens use the F32 path (llama.cpp's Q tile size).</summary>
        public const int F32AttentionBatch = 64;

        /// <summary>Tokens of one sequence whose attention shares each converted block of keys and values.</summary>
        private const int QueryTile = 16;

        /// <summary>Cached positions per softmax step of the F32 path (llama.cpp's KV tile).</summary>
        private const int KvTile = 64;

        private readonly float[][] _query;       // per worker: (heads, headDim) a token's queries rounded to F16
        private readonly float[][] _accumulator; // per worker: (heads, headDim) Σ softmax weight · value per head, F16 values held in floats
        private readonly float[][] _accumulatorF32; // per worker: (QueryTile, group, headDim) the same in F32 for each query of a tile and head of a KV head, for large batches
        private readonly float[][] _keyValue;       // per worker: one tile of cached keys (headDim, KvTile) and values (KvTile, headDim) converted to F32, and one key row
        private readonly float[][] _softmax;        // per worker: running max and sum per query and head (F32 path: then one tile's scores)
        private readonly int[][] _tileLengths;      // per worker: (QueryTile) positions each query of a tile sees
        private int[] _tileStart = [0];             // (tiles + 1) first token of each query tile of the batch
        private long[] _itemEnd = [];               // (tiles · KV heads) cumulative cost of the F32 path's items
        private int _itemCount;
        private int _layer;
        private Hyperparameters _c = null!;
        private float* _q;
        private int _qStride;
        private float* _att;
        private ForwardBatch _batch = null!;

        public AttentionJob(int workers, int headDim, int heads, int group)
        {
            _query = new float[workers][];
            _accumulator = new float[workers][];
            _accumulatorF32 = new float[workers][];
            _keyValue = new float[workers][];
            _softmax = new float[workers][];
            _tileLengths = new int[workers][];
            for (int i = 0; i < workers; i++)
            {
                _query[i] = new float[heads * headDim];
                _accumulator[i] = new float[heads * headDim];
                _accumulatorF32[i] = new float[QueryTile * group * headDim];
                _keyValue[i] = new float[(2 * KvTile + 1) * headDim];
                _softmax[i] = new float[Math.Max(2 * QueryTile * group + KvTile, 2 * heads)]; // the F32 path's, or the F16 path's
                _tileLengths[i] = new int[QueryTile];
            }
        }

        /// <param name="q">Queries of the first token; token t's start <paramref name="qStride"/>·t floats later.</param>
        public void Set(int layer, Hyperparameters c, float* q, int qStride, float* att, ForwardBatch batch)
        {
            _layer = layer;
            _c = c;
            _q = q;
            _qStride = qStride;
            _att = att;
            _batch = batch;
            if (UsesF32) PlanTiles();
        }

        /// <summary>
        /// llama.cpp's choice of kernel: the tiled F32 one for a batch of at least <see cref="F32AttentionBatch"/>
        /// tokens whose head size is a whole number of its SIMD vectors (GGML_F32_EPR: 16 floats with AVX-512, 8 with
        /// AVX2, 4 with NEON), else the one-chunk F16 kernel. stories260K's 8-wide heads stay on the F16 kernel with
        /// AVX-512, at any batch size.
        /// </summary>
        private bool UsesF32 => _batch.Count >= F32AttentionBatch && _c.HeadDim % HalfAttention.BestWidth == 0;

        public void Execute(int worker, int workerCount)
        {
            if (UsesF32) ExecuteF32(worker, workerCount);
            else ExecuteF16(worker, workerCount);
        }

        /// <summary>
        /// llama.cpp's one-chunk kernel: F16-rounded queries and F16 accumulators, one online-softmax step per key.
        /// Items are (token, run of heads); an item walks the token's cached positions once and updates all its
        /// heads at each, so the keys and values of a position are read as one contiguous run instead of one
        /// 128-byte piece per head per pass (the cache rows are a position's every head). Each head's arithmetic
        /// is the same as one head at a time.
        /// </summary>
        private void ExecuteF16(int worker, int workerCount)
        {
            var c = _c;
            int n = _batch.Count;
            // Enough runs per token that every worker has work even for a single decoding token.
            int runs = Math.Min(c.Heads, (2 * workerCount + n - 1) / n);
            int items = n * runs;
            int first = (int)((long)items * worker / workerCount), last = (int)((long)items * (worker + 1) / workerCount);
            float scale = 1f / MathF.Sqrt(c.HeadDim);
            int group = c.Heads / c.KvHeads;
            int headDim = c.HeadDim;
            fixed (float* queries = _query[worker])
            fixed (float* accs = _accumulator[worker])
            fixed (float* softmax = _softmax[worker])
            {
                for (int item = first; item < last; item++)
                {
                    int t = item / runs, run = item % runs;
                    int h0 = (int)((long)c.Heads * run / runs), h1 = (int)((long)c.Heads * (run + 1) / runs), heads = h1 - h0;
                    float* max = softmax, sum = softmax + heads;
                    var seq = _batch.Sequences[t];
                    int length = _batch.Positions[t] + 1; // causal: positions 0..pos
                    float* q = _q + (long)t * _qStride + h0 * headDim;
                    for (int d = 0; d < heads * headDim; d++) queries[d] = (float)(Half)q[d];
                    new Span<float>(accs, heads * headDim).Clear();
                    for (int h = 0; h < heads; h++)
                    {
                        max[h] = float.NegativeInfinity;
                        sum[h] = 0;
                    }
                    var cache = seq.Cache;
                    int blockSize = cache.BlockSize;
                    var blocks = seq.Blocks;
                    for (int b = 0, p = 0; p < length; b++)
                    {
                        // Positions of one block sit in consecutive cache rows.
                        Half* keys = cache.Key(_layer, blocks[b] * blockSize);
                        Half* values = cache.Value(_layer, blocks[b] * blockSize);
                        int inBlock = Math.Min(blockSize, length - p);
                        for (int i = 0; i < inBlock; i++, p++)
                        {
                            Half* keyRow = keys + (long)i * c.KvDim, valueRow = values + (long)i * c.KvDim;
                            for (int h = 0; h < heads; h++)
                            {
                                int kvOffset = (h0 + h) / group * headDim;
                                float* acc = accs + h * headDim;
                                float s = HalfAttention.Dot(queries + h * headDim, keyRow + kvOffset, headDim) * scale;
                                float ms = 1f, vs = 1f;
                                if (s > max[h])
                                {
                                    // A new maximum rescales what was accumulated so far.
                                    ms = MathF.Exp(max[h] - s);
                                    max[h] = s;
                                    HalfAttention.Scale(acc, ms, headDim);
                                }
                                else
                                {
                                    vs = MathF.Exp(s - max[h]);
                                }
                                HalfAttention.MultiplyAdd(acc, valueRow + kvOffset, vs, headDim);
                                sum[h] = sum[h] * ms + vs;
                            }
                        }
                    }
                    for (int h = 0; h < heads; h++)
                    {
                        float* o = _att + (long)t * c.Dim + (h0 + h) * headDim;
                        float* acc = accs + h * headDim;
                        float inv = 1f / sum[h];
                        for (int d = 0; d < headDim; d++) o[d] = acc[d] * inv;
                    }
                }
            }
        }

        /// <summary>
        /// llama.cpp's tiled kernel for batches of 64 tokens or more: F32 queries, the cache read in tiles of
        /// <see cref="KvTile"/> positions converted to F32 once, and per tile a softmax step (the tile's scores,
        /// a new running maximum, the vector exp summed in double) and an F32 accumulation of the values. Work
        /// items are (query tile, KV head): up to <see cref="QueryTile"/> consecutive tokens of one sequence and
        /// every query head sharing the KV head (grouped-query attention) use each converted tile while it sits in L1.
        /// </summary>
        private void ExecuteF32(int worker, int workerCount)
        {
            var c = _c;
            // Items are split by their cost (keys visited), not their count: causal attention gives late tokens
            // more keys, and an even split by tokens would leave the first worker idle for most of the step.
            long total = _itemCount == 0 ? 0 : _itemEnd[_itemCount - 1];
            int first = FirstItemEndingAfter(total * worker / workerCount);
            int last = FirstItemEndingAfter(total * (worker + 1) / workerCount);
            float scale = 1f / MathF.Sqrt(c.HeadDim);
            int group = c.Heads / c.KvHeads;
            int headDim = c.HeadDim;
            int width = HalfAttention.BestWidth;
            fixed (float* accs = _accumulatorF32[worker])
            fixed (float* softmax = _softmax[worker])
            fixed (float* kv = _keyValue[worker])
            fixed (int* length = _tileLengths[worker])
            {
                int rows = QueryTile * group;
                float* max = softmax, sum = softmax + rows, scores = softmax + 2 * rows;
                float* keyTile = kv, valueTile = kv + KvTile * headDim, keyRow = kv + 2 * KvTile * headDim;
                for (int item = first; item < last; item++)
                {
                    int tile = item / c.KvHeads, kvh = item % c.KvHeads;
                    int t0 = _tileStart[tile], count = _tileStart[tile + 1] - t0;
                    var seq = _batch.Sequences[t0];
                    int maxLength = 0;
                    for (int j = 0; j < count; j++)
                    {
                        length[j] = _batch.Positions[t0 + j] + 1; // causal: positions 0..pos
                        maxLength = Math.Max(maxLength, length[j]);
                    }
                    new Span<float>(accs, count * group * headDim).Clear();
                    for (int r = 0; r < count * group; r++)
                    {
                        max[r] = float.NegativeInfinity;
                        sum[r] = 0;
                    }
                    int kvOffset = kvh * headDim;
                    var cache = seq.Cache;
                    int blockSize = cache.BlockSize;
                    var blocks = seq.Blocks;
                    for (int p0 = 0; p0 < maxLength; p0 += KvTile)
                    {
                        int inTile = Math.Min(KvTile, maxLength - p0);
                        for (int i = 0; i < inTile; i++)
                        {
                            int slot = blocks[(p0 + i) / blockSize] * blockSize + (p0 + i) % blockSize;
                            // Keys go in transposed (dimension-major), so scores come out 16 keys at a time.
                            HalfAttention.ToSingle(cache.Key(_layer, slot) + kvOffset, keyRow, headDim);
                            for (int d = 0; d < headDim; d++) keyTile[d * KvTile + i] = keyRow[d];
                            HalfAttention.ToSingle(cache.Value(_layer, slot) + kvOffset, valueTile + i * headDim, headDim);
                        }
                        for (int j = 0; j < count; j++)
                        {
                            int visible = Math.Min(inTile, length[j] - p0); // the rest are masked for this query
                            if (visible <= 0) continue;
                            float* q0 = _q + (long)(t0 + j) * _qStride + kvh * group * headDim; // the group's query heads are consecutive
                            for (int g = 0; g < group; g++)
                            {
                                int r = j * group + g;
                                float* q = q0 + g * headDim;
                                HalfAttention.ScoresTile(q, keyTile, KvTile, visible, headDim, scale, scores, width);
                                float tileMax = float.NegativeInfinity;
                                for (int i = 0; i < visible; i++) tileMax = MathF.Max(tileMax, scores[i]);
                                float oldMax = max[r];
                                float newMax = MathF.Max(oldMax, tileMax);
                                float ms = oldMax == float.NegativeInfinity ? 0f : MathF.Exp(oldMax - newMax);
                                double tileSum = HalfAttention.SoftmaxExp(scores, visible, newMax, width);
                                max[r] = newMax;
                                sum[r] = (float)(sum[r] * ms + tileSum);
                                HalfAttention.AccumulateTile(accs + r * headDim, ms, scores, valueTile, visible, headDim, width);
                            }
                        }
                    }
                    for (int j = 0; j < count; j++)
                    {
                        for (int g = 0; g < group; g++)
                        {
                            int r = j * group + g;
                            float* o = _att + (long)(t0 + j) * c.Dim + (kvh * group + g) * headDim;
                            float* a = accs + r * headDim;
                            float inv = 1f / sum[r];
                            for (int d = 0; d < headDim; d++) o[d] = a[d] * inv;
                        }
                    }
                }
            }
        }

        /// <summary>The first item whose cumulative cost ends after <paramref name="cost"/>.</summary>
        private int FirstItemEndingAfter(long cost)
        {
            int lo = 0, hi = _itemCount;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (_itemEnd[mid] <= cost) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }

        /// <summary>Cuts the batch into query tiles and sums each (tile, KV head) item's cost, for the F32 path.</summary>
        private void PlanTiles()
        {
            var batch = _batch;
            int n = batch.Count, kvHeads = _c.KvHeads;
            if (_tileStart.Length < n + 1) _tileStart = new int[n + 1];
            if (_itemEnd.Length < n * kvHeads) _itemEnd = new long[n * kvHeads];
            int tiles = 0;
            long end = 0;
            for (int t = 0; t < n;)
            {
                _tileStart[tiles] = t;
                long cost = 0;
                int j = t;
                for (; j < n && j - t < QueryTile && batch.Sequences[j] == batch.Sequences[t]; j++) cost += batch.Positions[j] + 1;
                for (int h = 0; h < kvHeads; h++) _itemEnd[tiles * kvHeads + h] = end += cost;
                tiles++;
                t = j;
            }
            _tileStart[tiles] = n;
            _itemCount = tiles * kvHeads;
        }
    }
}
