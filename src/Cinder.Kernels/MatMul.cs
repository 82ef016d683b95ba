using Cinder.Core;
using Cinder.Kernels.Formats;
using Cinder.Kernels.Threading;

namespace Cinder.Kernels;

/// <summary>
/// Weight × activations: y[b, r] = Σ_c W[r, c] · x[b, c] for every row r of the weight and every token b of
/// the batch. Rows are split across the worker pool. One instance per model context: it owns per-worker
/// scratch, so a call allocates nothing.
/// </summary>
public sealed unsafe class MatMul
{
    private readonly WorkerPool _pool;
    private readonly Job _job;

    public MatMul(WorkerPool pool)
    {
        _pool = pool;
        _job = new Job(pool.Threads);
    }

    /// <summary>y (batch × w.Rows) = x (batch × w.Columns) · Wᵀ.</summary>
    public void Multiply(in WeightMatrix w, ReadOnlySpan<float> x, Span<float> y, int batch)
    {
        if (x.Length < batch * w.Columns) throw new ArgumentException($"x holds {x.Length} values, needs {batch} x {w.Columns}", nameof(x));
        if (y.Length < batch * w.Rows) throw new ArgumentException($"y holds {y.Length} values, needs {batch} x {w.Rows}", nameof(y));
        fixed (float* px = x)
        fixed (float* py = y)
        {
            _job.Set(w, px, py, batch);
            _pool.Run(_job);
        }
    }

    /// <summary>One row of y for one token: the scalar reference (dequantize, then a double-accumulated dot).</summary>
    public static float DotReference(in WeightMatrix w, int row, ReadOnlySpan<float> x, Span<float> scratch)
    {
        TensorFormat.DequantizeRow(w.Type, w.RowSpan(row), scratch[..w.Columns]);
        double sum = 0;
        for (int c = 0; c < w.Columns; c++) sum += (double)scratch[c] * x[c];
        return (float)sum;
    }

    private sealed class Job : IParallelJob
    {
        private readonly float[][] _scratch;
        private WeightMatrix _w;
        private float* _x;
        private float* _y;
        private int _batch;

        public Job(int workers) => _scratch = new float[workers][];

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
            var scratch = _scratch[worker];
            if (scratch is null || scratch.Length < w.Columns) _scratch[worker] = scratch = new float[w.Columns];
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
