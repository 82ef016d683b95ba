using Cinder.Core;
using Cinder.Kernels.Formats;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Threading;
using System.Runtime.Intrinsics;

namespace Cinder.Kernels;

/// <summary>
/// Weight × activations: y[b, r] = Σ_c W[r, c] · x[b, c] for every row r of the weight and every token b of
/// the batch. Packed integer weights get their activations quantized to 8 bits once per call, in the format the
/// packed matrix declares (Q8_0 blocks of 32, or Q8_K super-blocks of 256 for the K-quants), and run on the
/// integer kernels, eight rows at a time; F32 weights run the F32 dot; other types are dequantized row
/// by row (the reference path). Rows are split across the worker pool. One instance per model context:
/// it owns per-worker scratch, so a call allocates nothing.
/// </summary>
public sealed unsafe class MatMul : IDisposable
{
    private readonly WorkerPool _pool;
    private readonly RowJob _rowJob;
    private readonly PackedJob _packedJob;
    private readonly InterleavedJob _interleavedJob;
    private readonly Q8Activations _q8 = new();
    private readonly Q8KActivations _q8k = new();
    private byte[] _activationBytes = Array.Empty<byte>(); // activations in the weight's vec_dot type, for unpacked quantized weights
    private float[] _rounded = Array.Empty<float>();        // activations rounded to F16, for F16 weights

    public MatMul(WorkerPool pool, KernelIsa? isa = null, FloatIsa? floatIsa = null)
    {
        _pool = pool;
        Isa = isa ?? KernelIsas.Best;
        FloatIsa = floatIsa ?? FloatIsas.Best;
        _rowJob = new RowJob();
        _packedJob = new PackedJob();
        _interleavedJob = new InterleavedJob();
    }

    /// <summary>The instruction-set path of the integer kernels.</summary>
    public KernelIsa Isa { get; }

    /// <summary>The vector width of the floating-point kernels.</summary>
    public FloatIsa FloatIsa { get; }

    /// <summary>y (batch × w.Rows) = x (batch × w.Columns) · Wᵀ; stacked parts fill consecutive row ranges of each token's output.</summary>
    public void Multiply(PreparedWeight w, ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        if (x.Length < batch * w.Columns) throw new ArgumentException($"x holds {x.Length} values, needs {batch} x {w.Columns}", nameof(x));
        if (y.Length < batch * w.Rows) throw new ArgumentException($"y holds {y.Length} values, needs {batch} x {w.Rows}", nameof(y));
        fixed (float* px = x)
        fixed (float* py = y)
        {
            if (w.Interleaved is { } interleaved)
            {
                float* input = px;
                if (interleaved.Type == GgmlType.F16)
                {
                    int n = batch * w.Columns;
                    if (_rounded.Length < n) _rounded = new float[n];
                    fixed (float* pr = _rounded)
                    {
                        RoundToHalfAndScale(px, pr, n);
                        _interleavedJob.Set(interleaved, pr, py, batch, FloatIsa);
                        _pool.Run(_interleavedJob);
                    }
                    return;
                }
                _interleavedJob.Set(interleaved, input, py, batch, FloatIsa);
                _pool.Run(_interleavedJob);
                return;
            }
            if (w.Packed is { } packed)
            {
                var activations = Activations(packed.ActivationFormat);
                activations.Quantize(px, batch, w.Columns);
                _packedJob.Set(packed, activations, py, batch, Isa);
                _pool.Run(_packedJob);
                return;
            }
            int offset = 0;
            var parts = w.Parts;
            for (int i = 0; i < parts.Count; i++) // indexing, not foreach: no enumerator allocated per product
            {
                MultiplyUnpacked(parts[i], px, py + offset, w.Rows, batch);
                offset += parts[i].Rows;
            }
        }
    }

    /// <summary>One unpacked matrix into y[b · yStride + r].</summary>
    private void MultiplyUnpacked(in WeightMatrix source, float* px, float* py, int yStride, int batch)
    {
        if (source.Type == GgmlType.F16)
        {
            // llama.cpp converts activations to F16 (the vec_dot type of F16 weights); so do we, for the same numbers.
            int n = batch * source.Columns;
            if (_rounded.Length < n) _rounded = new float[n];
            fixed (float* pr = _rounded) RoundToHalfAndScale(px, pr, n);
            fixed (float* pr = _rounded)
            {
                _rowJob.Set(source, pr, null, 0, py, yStride, batch, FloatIsa);
                _pool.Run(_rowJob);
            }
            return;
        }
        if (!FloatKernels.Supports(source.Type))
        {
            // Quantized weights without a packed layout: activations in the weight's vec_dot type, as llama.cpp does.
            var activationType = TensorFormat.ActivationType(source.Type);
            int rowBytes = TensorFormat.RowByteCount(activationType, source.Columns);
            if (_activationBytes.Length < batch * rowBytes) _activationBytes = new byte[batch * rowBytes];
            for (int b = 0; b < batch; b++) QuantizeActivations(activationType, px + (long)b * source.Columns, source.Columns, _activationBytes.AsSpan(b * rowBytes, rowBytes));
            fixed (byte* pa = _activationBytes)
            {
                _rowJob.Set(source, px, pa, rowBytes, py, yStride, batch, FloatIsa);
                _pool.Run(_rowJob);
            }
            return;
        }
        _rowJob.Set(source, px, null, 0, py, yStride, batch, FloatIsa);
        _pool.Run(_rowJob);
    }

    /// <summary>This context's buffer for activations of <paramref name="format"/> (one of each, reused by every call).</summary>
    private QuantizedActivations Activations(ActivationFormat format) => format switch
    {
        ActivationFormat.Q8_0 => _q8,
        ActivationFormat.Q8_K => _q8k,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "no activation buffer for this format"),
    };

    /// <summary>One row of y for one token: the scalar reference (dequantize, then a double-accumulated dot).</summary>
    public static float DotReference(in WeightMatrix w, int row, ReadOnlySpan<float> x, Span<float> scratch)
    {
        TensorFormat.DequantizeRow(w.Type, w.RowSpan(row), scratch[..w.Columns]);
        double sum = 0;
        for (int c = 0; c < w.Columns; c++) sum += (double)scratch[c] * x[c];
        return (float)sum;
    }

    /// <summary>y = f16(x) · 2^112 (the F16 kernels' activation scale), vectorised.</summary>
    private static void RoundToHalfAndScale(float* x, float* y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ushort* halves = stackalloc ushort[16];
            for (; i + 16 <= n; i += 16)
            {
                HalfVector.ToHalf(Vector512.Load(x + i)).Store(halves);
                (HalfVector.Load16((Half*)halves) * Vector512.Create(F16Weights.Scale)).Store(y + i);
            }
        }
        for (; i < n; i++) y[i] = (float)(Half)x[i] * F16Weights.Scale;
    }

    /// <summary>
    /// One activation row in <paramref name="type"/>: Q8_0 as ggml's vector quantizer (the same levels and F16
    /// scales as <see cref="Q8Activations"/>), other types by the reference quantizer (ggml has no vector
    /// version of them on x86).
    /// </summary>
    private static void QuantizeActivations(GgmlType type, float* x, int n, Span<byte> destination)
    {
        if (type != GgmlType.Q8_0)
        {
            TensorFormat.QuantizeRow(type, new ReadOnlySpan<float>(x, n), destination);
            return;
        }
        fixed (byte* d = destination)
        {
            var blocks = (BlockQ8_0*)d;
            for (int b = 0; b < n / 32; b++)
            {
                Q8Activations.QuantizeBlock(x + b * 32, blocks[b].Qs, out float scale, out _);
                blocks[b].D = (Half)scale;
            }
        }
    }

    public void Dispose()
    {
        _q8.Dispose();
        _q8k.Dispose();
    }

    /// <summary>Groups of eight interleaved float rows split evenly across workers.</summary>
    private sealed class InterleavedJob : IParallelJob
    {
        private InterleavedFloatMatrix _w = null!;
        private float* _x;
        private float* _y;
        private int _batch;
        private FloatIsa _isa;

        public void Set(InterleavedFloatMatrix w, float* x, float* y, int batch, FloatIsa isa)
        {
            _w = w;
            _x = x;
            _y = y;
            _batch = batch;
            _isa = isa;
        }

        public void Execute(int worker, int workerCount)
        {
            int groups = _w.Groups;
            int first = (int)((long)groups * worker / workerCount);
            int last = (int)((long)groups * (worker + 1) / workerCount);
            if (first < last) _w.Multiply(_x, _y, _w.Rows, first, last, _batch, _isa);
        }
    }

    /// <summary>Groups of eight rows split evenly across workers.</summary>
    private sealed class PackedJob : IParallelJob
    {
        private PackedMatrix _w = null!;
        private QuantizedActivations _a = null!;
        private float* _y;
        private int _batch;
        private KernelIsa _isa;

        public void Set(PackedMatrix w, QuantizedActivations a, float* y, int batch, KernelIsa isa)
        {
            _w = w;
            _a = a;
            _y = y;
            _batch = batch;
            _isa = isa;
        }

        public void Execute(int worker, int workerCount)
        {
            int groups = _w.Groups;
            int first = (int)((long)groups * worker / workerCount);
            int last = (int)((long)groups * (worker + 1) / workerCount);
            if (first < last) _w.Multiply(_a, _y, _w.Rows, first, last, _batch, _isa);
        }
    }

    /// <summary>
    /// Rows split evenly across workers (in fours, the float kernels' tile height): F32, F16 and BF16 through
    /// the float kernels, other unpacked types through the scalar reference dot with quantized activations.
    /// </summary>
    private sealed class RowJob : IParallelJob
    {
        private WeightMatrix _w;
        private float* _x;
        private byte* _activations;
        private int _activationRowBytes;
        private float* _y;
        private int _yStride;
        private int _batch;
        private FloatIsa _floatIsa;

        public void Set(in WeightMatrix w, float* x, byte* activations, int activationRowBytes, float* y, int yStride, int batch, FloatIsa floatIsa)
        {
            _w = w;
            _x = x;
            _activations = activations;
            _activationRowBytes = activationRowBytes;
            _y = y;
            _yStride = yStride;
            _batch = batch;
            _floatIsa = floatIsa;
        }

        public void Execute(int worker, int workerCount)
        {
            var w = _w;
            int quads = (w.Rows + 3) / 4;
            int first = Math.Min(w.Rows, (int)((long)quads * worker / workerCount) * 4);
            int last = Math.Min(w.Rows, (int)((long)quads * (worker + 1) / workerCount) * 4);
            if (first >= last) return;
            if (FloatKernels.Supports(w.Type))
            {
                FloatKernels.Multiply(w, _x, _y, _yStride, first, last, _batch, _floatIsa);
                return;
            }
            for (int r = first; r < last; r++)
            {
                var row = w.RowSpan(r);
                for (int b = 0; b < _batch; b++)
                {
                    var activations = new ReadOnlySpan<byte>(_activations + (long)b * _activationRowBytes, _activationRowBytes);
                    _y[(long)b * _yStride + r] = TensorFormat.DotRowReference(w.Type, row, activations, w.Columns);
                }
            }
        }
    }
}
