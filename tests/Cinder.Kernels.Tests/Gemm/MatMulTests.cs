using System.Runtime.InteropServices;
using Cinder.Core;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Formats;
using Cinder.Kernels.Threading;

namespace Cinder.Kernels.Tests.Gemm;

/// <summary>MatMul end to end: packed weights of every packed type through one context, against the reference path.</summary>
public unsafe class MatMulTests
{
    private static readonly GgmlType[] PackedTypes = [GgmlType.Q4_K, GgmlType.Q8_0, GgmlType.Q6_K, GgmlType.Q4_0];

    /// <summary>
    /// One MatMul (one activation buffer per format) alternates types, so a K-quant call between Q8_0 calls and back
    /// must quantize the activations the way each matrix asks. Each product is compared three ways: with the kernels'
    /// reference on the same quantized activations and with the unpacked path (ggml's reference dot products on the
    /// same activation blocks), both to float rounding; and with the exact product of the dequantized weights and the
    /// unquantized activations, within the activation quantization bound Σ|w|·max|x|/254 (per block of the format).
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 6)]
    public void PackedTypesMatchTheUnpackedProduct(int threads, int batch)
    {
        const int rows = 48, columns = 768;
        using var pool = new WorkerPool(threads);
        using var matmul = new MatMul(pool);
        var x = PackedKernelTests.RandomActivations(batch, columns, 7);
        foreach (var type in PackedTypes)
        {
            byte* data = PackedKernelTests.RandomWeights(type, rows, columns, 11, out _);
            try
            {
                var w = new WeightMatrix("w", type, data, rows, columns);
                using var packed = PreparedWeight.Prepare(w);
                using var unpacked = PreparedWeight.Prepare(w, pack: false);
                Assert.NotNull(packed.Packed);
                Assert.Null(unpacked.Packed);
                var y = new float[batch * rows];
                var viaReference = new float[batch * rows];
                matmul.Multiply(packed, x, y, batch);
                matmul.Multiply(unpacked, x, viaReference, batch);

                using var act = QuantizedActivations.Create(packed.Packed!.ActivationFormat);
                fixed (float* px = x) act.Quantize(px, batch, columns);
                var (reference, magnitude) = PackedKernelTests.Reference(w, act, batch);

                var row = new float[columns];
                int blockLength = act.BlockLength;
                for (int r = 0; r < rows; r++)
                {
                    TensorFormat.DequantizeRow(type, w.RowSpan(r), row);
                    for (int t = 0; t < batch; t++)
                    {
                        int i = t * rows + r;
                        double tolerance = 1e-5 * magnitude[i] + 1e-6;
                        Assert.True(Math.Abs(y[i] - reference[i]) <= tolerance, $"{type} y[{t}, {r}] = {y[i]}, kernel reference {reference[i]}");
                        Assert.True(Math.Abs(y[i] - viaReference[i]) <= tolerance, $"{type} y[{t}, {r}] = {y[i]}, unpacked path {viaReference[i]}");
                        double exact = 0, bound = 0;
                        for (int c = 0; c < columns; c++)
                        {
                            exact += (double)row[c] * x[t * columns + c];
                            float blockMax = 0;
                            for (int k = c / blockLength * blockLength; k < (c / blockLength + 1) * blockLength; k++) blockMax = Math.Max(blockMax, Math.Abs(x[t * columns + k]));
                            bound += Math.Abs(row[c]) * blockMax / 254;
                        }
                        Assert.True(Math.Abs(y[i] - exact) <= bound * 1.01 + 1e-5, $"{type} y[{t}, {r}] = {y[i]}, unquantized {exact}, bound {bound}");
                    }
                }
            }
            finally
            {
                NativeMemory.AlignedFree(data);
            }
        }
    }

    /// <summary>
    /// Q and K in Q4_K with V in Q6_K (a Q4_K_M layer) stack into one packed product whose groups run on each part's
    /// kernels; Q4_K stacked with Q8_0 (different activation formats) stays unpacked. Both give the unpacked product.
    /// </summary>
    [Theory]
    [InlineData(new[] { GgmlType.Q4_K, GgmlType.Q4_K, GgmlType.Q6_K }, true)]
    [InlineData(new[] { GgmlType.Q6_K, GgmlType.Q4_K }, true)]
    [InlineData(new[] { GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_0 }, true)]
    [InlineData(new[] { GgmlType.Q4_K, GgmlType.Q8_0 }, false)]
    public void MixedTypesStackIntoOnePackedProduct(GgmlType[] types, bool packs)
    {
        const int columns = 512, batch = 5;
        int[] rows = types.Select((_, i) => 8 * (i + 1)).ToArray();
        var data = new List<nint>();
        try
        {
            var parts = new WeightMatrix[types.Length];
            for (int i = 0; i < types.Length; i++)
            {
                byte* p = PackedKernelTests.RandomWeights(types[i], rows[i], columns, 20 + i, out _);
                data.Add((nint)p);
                parts[i] = new WeightMatrix($"w{i}", types[i], p, rows[i], columns);
            }
            using var stacked = PreparedWeight.Stack(parts);
            using var unpacked = PreparedWeight.Stack(parts, pack: false);
            Assert.Equal(packs, stacked.Packed is not null);
            if (packs)
            {
                Assert.Equal(parts.Sum(p => p.Rows * p.RowBytes), stacked.Packed!.Bytes);
                Assert.Equal(types.Distinct().Count() > 1, stacked.Packed is PackedStack);
            }
            using var pool = new WorkerPool(2);
            using var matmul = new MatMul(pool);
            var x = PackedKernelTests.RandomActivations(batch, columns, 5);
            var y = new float[batch * stacked.Rows];
            var expected = new float[batch * stacked.Rows];
            matmul.Multiply(stacked, x, y, batch);
            matmul.Multiply(unpacked, x, expected, batch);
            // Both paths quantize x the same way, so they differ by float rounding only: 1e-5 of Σ|w|·(|x| + max|x|/254),
            // a bound on Σ|w·a| over the 256-value blocks (the larger of the two formats' blocks).
            var row = new float[columns];
            int r0 = 0;
            foreach (var part in parts)
            {
                for (int r = 0; r < part.Rows; r++)
                {
                    TensorFormat.DequantizeRow(part.Type, part.RowSpan(r), row);
                    for (int t = 0; t < batch; t++)
                    {
                        double magnitude = 0;
                        for (int c = 0; c < columns; c++)
                        {
                            float blockMax = 0;
                            for (int k = c / 256 * 256; k < (c / 256 + 1) * 256; k++) blockMax = Math.Max(blockMax, Math.Abs(x[t * columns + k]));
                            magnitude += Math.Abs(row[c]) * (Math.Abs(x[t * columns + c]) + blockMax / 254);
                        }
                        int i = t * stacked.Rows + r0 + r;
                        Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5 * magnitude + 1e-6, $"{part.Type} y[{t}, {r0 + r}] = {y[i]}, unpacked {expected[i]}");
                    }
                }
                r0 += part.Rows;
            }
        }
        finally
        {
            foreach (var p in data) NativeMemory.AlignedFree((void*)p);
        }
    }

    [Fact]
    public void KQuantProductsAllocateNothingOnceWarm()
    {
        const int rows = 32, columns = 512;
        using var pool = new WorkerPool(2);
        using var matmul = new MatMul(pool);
        var x = PackedKernelTests.RandomActivations(4, columns, 3);
        var y = new float[4 * rows];
        byte* q4 = PackedKernelTests.RandomWeights(GgmlType.Q4_K, rows, columns, 1, out _);
        byte* q6 = PackedKernelTests.RandomWeights(GgmlType.Q6_K, rows, columns, 2, out _);
        try
        {
            using var w4 = PreparedWeight.Prepare(new WeightMatrix("q4", GgmlType.Q4_K, q4, rows, columns));
            using var w6 = PreparedWeight.Prepare(new WeightMatrix("q6", GgmlType.Q6_K, q6, rows, columns));
            for (int i = 0; i < 3; i++)
            {
                matmul.Multiply(w4, x, y, 4);
                matmul.Multiply(w6, x, y, 1);
            }
            long workers = pool.AllocatedBytesOnWorkers();
            long thread = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++)
            {
                matmul.Multiply(w4, x, y, 1 + i % 4);
                matmul.Multiply(w6, x, y, 1 + i % 4);
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - thread);
            // The probe itself allocates on the calling thread only; the workers' counters must not move.
            Assert.Equal(workers, pool.AllocatedBytesOnWorkers());
        }
        finally
        {
            NativeMemory.AlignedFree(q4);
            NativeMemory.AlignedFree(q6);
        }
    }
}
