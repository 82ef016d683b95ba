using System.Runtime.InteropServices;
using Cinder.Core;
using Cinder.Kernels.Formats;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Simd;

namespace Cinder.Kernels.Tests.Gemm;

/// <summary>
/// The interleaved copy of F32/F16/BF16 weights against the row-major kernels (which are themselves checked
/// against the scalar reference): each ISA path must give the same products bit for bit, since it sums in the
/// same order, and the stacked parts must come out in order.
/// </summary>
public unsafe class InterleavedFloatMatrixTests
{
    public static TheoryData<GgmlType, int, FloatIsa> Cases()
    {
        var data = new TheoryData<GgmlType, int, FloatIsa>();
        foreach (var isa in FloatIsas.Supported)
        {
            foreach (var type in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16 })
            {
                foreach (var tokens in new[] { 1, 3, 4, 9 }) data.Add(type, tokens, isa);
            }
        }
        return data;
    }

    private static byte* RandomMatrix(GgmlType type, int rows, int k, int seed)
    {
        var random = new Random(seed);
        long rowBytes = GgmlTypeInfo.Get(type).RowBytes(k);
        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)(rows * rowBytes), 64);
        var row = new float[k];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < k; c++) row[c] = (float)(random.NextDouble() * 2 - 1) * ((r + c) % 11 == 0 ? 30 : 1);
            TensorFormat.QuantizeRow(type, row, new Span<byte>(data + r * rowBytes, (int)rowBytes));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StackedProductsEqualTheRowMajorKernels(GgmlType type, int tokens, FloatIsa isa)
    {
        const int k = 96;
        int[] partRows = [16, 8, 24];
        var buffers = partRows.Select((rows, i) => (IntPtr)RandomMatrix(type, rows, k, 7 + i)).ToArray();
        try
        {
            var parts = partRows.Select((rows, i) => new WeightMatrix($"w{i}", type, (byte*)buffers[i], rows, k)).ToArray();
            using var interleaved = new InterleavedFloatMatrix(parts);
            int rowsTotal = partRows.Sum();
            Assert.Equal(rowsTotal, interleaved.Rows);
            Assert.Equal(rowsTotal / 8, interleaved.Groups);

            var x = PackedKernelTests.RandomActivations(tokens, k, 5);
            if (type == GgmlType.F16) x = x.Select(v => v * F16Weights.Scale).ToArray();
            var actual = new float[tokens * rowsTotal];
            fixed (float* px = x, py = actual)
            {
                // Two calls over group ranges, as two workers would split it.
                interleaved.Multiply(px, py, rowsTotal, 0, 2, tokens, isa);
                interleaved.Multiply(px, py, rowsTotal, 2, interleaved.Groups, tokens, isa);
            }

            var expected = new float[tokens * rowsTotal];
            fixed (float* px = x, py = expected)
            {
                int offset = 0;
                foreach (var part in parts)
                {
                    FloatKernels.Multiply(part, px, py + offset, rowsTotal, 0, part.Rows, tokens, isa);
                    offset += part.Rows;
                }
            }
            Assert.Equal(expected, actual);
        }
        finally
        {
            foreach (var b in buffers) NativeMemory.AlignedFree((void*)b);
        }
    }

    [Fact]
    public void MatricesThatDoNotFitTheLayoutAreRejected()
    {
        byte* data = RandomMatrix(GgmlType.F32, 12, 40, 1);
        try
        {
            var ragged = new WeightMatrix("ragged", GgmlType.F32, data, 12, 40);
            Assert.False(InterleavedFloatMatrix.CanInterleave(ragged));
            Assert.Throws<ArgumentException>(() => new InterleavedFloatMatrix([ragged]));
            var quantized = new WeightMatrix("q", GgmlType.Q8_0, data, 8, 32);
            Assert.False(InterleavedFloatMatrix.CanInterleave(quantized));
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }
}
