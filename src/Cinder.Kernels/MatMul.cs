using Cinder.Core;
using Cinder.Kernels.Formats;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Threading;

namespace Cinder.Kernels;

/// <summary>
/// Weight × activations: y[b, r] = Σ_c W[r, c] · x[b, c] for every row r of the weight and every token b of
/// the batch. Packed integer weights get their activations quantized to 8 bits once per call, in the format the
/// packed matrix asks for (Q8_0 blocks of 32 or Q8_K blocks of 256), and run on the integer kernels, eight rows at a time; F32 weights run the F32 dot; other types are dequantized row
/// by row (the reference path). Rows are split across the worker pool. One instance per model context:
/// it owns per-worker scratch, so a call allocates nothing.
/// </summary>
public sealed unsafe class MatMul : IDisposable
{
    private readonly WorkerPool _pool;
    private readonly RowJob _rowJob;
    private readonly PackedJob _packedJob;
    private readonly Q8Activations _q8 = new();
    private readonly Q8KActivations _q8k = new();

    public MatMul(WorkerPool pool, KernelIsa? isa = null)
    {
        _pool = pool;
        Isa = isa ?? KernelIsas.Best;
        _rowJob = new RowJob(pool.Threads);
        _packedJob = new PackedJob();
    }

    /// <summary>The instruction-set path of the integer kernels.</summary>
    public KernelIsa Isa { get; }

    /// <summary>y (batch × w.Rows) = x (batch × w.Columns) · Wᵀ.</summary>
    public void Multiply(PreparedWeight w, ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        if (x.Length < batch * w.Columns) throw new ArgumentException($"x holds {x.Length} values, needs {batch} x {w.Columns}", nameof(x));
        if (y.Length < batch * w.Rows) throw new ArgumentException($"y holds {y.Length} values, needs {batch} x {w.Rows}", nameof(y));
        fixed (float* px = x)
        fixed (float* py = y)
        {
            if (w.Packed is { } packed)
            {
                var activations = Activations(packed.ActivationFormat);
                activations.Quantize(px, batch, w.Columns);
                _packedJob.Set(packed, activations, py, batch, Isa);
                _pool.Run(_packedJob);
            }
            else
            {
                var source = w.Source;
                _rowJob.Set(source, px, py, batch);
                _pool.Run(_rowJob);
            }
        }
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

    public void Dispose()
    {
        _q8.Dispose();
        _q8k.Dispose();
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

    /// <summary>Rows split evenly across workers; F32 through the F32 dot, other types dequantized row by row.</summary>
    private sealed class RowJob : IParallelJob
    {
        private readonly float[][] _scratch;
        private WeightMatrix _w;
        private float* _x;
        private float* _y;
        private int _batch;

        public RowJob(int workers) => _scratch = new float[workers][];

        public void Set(in WeightMatrix w, float* x, float* y, int batch)
        {
            _w = w;
            _x = x;
            _y = y;
            _batch = batch;
        }

        public void Execute(int worker, int workerCount)
        {
            var w = _w;
            int first = (int)((long)w.Rows * worker / workerCount);
            int last = (int)((long)w.Rows * (worker + 1) / workerCount);
            if (w.Type == GgmlType.F32)
            {
                for (int r = first; r < last; r++)
                {
                    float* row = (float*)w.Row(r);
                    for (int b = 0; b < _batch; b++)
                        _y[(long)b * w.Rows + r] = Simd.F32Dot.Dot(row, _x + (long)b * w.Columns, w.Columns);
                }
                return;
            }
            var scratch = _scratch[worker];
            if (scratch is null || scratch.Length < w.Columns) _scratch[worker] = scratch = new float[w.Columns];
            for (int r = first; r < last; r++)
            {
                TensorFormat.DequantizeRow(w.Type, w.RowSpan(r), scratch.AsSpan(0, w.Columns));
                for (int b = 0; b < _batch; b++)
                {
                    float* xb = _x + (long)b * w.Columns;
                    double sum = 0;
                    for (int c = 0; c < w.Columns; c++) sum += (double)scratch[c] * xb[c];
                    _y[(long)b * w.Rows + r] = (float)sum;
                }
            }
        }
    }
}
