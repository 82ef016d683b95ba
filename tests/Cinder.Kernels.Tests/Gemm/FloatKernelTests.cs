using System.Runtime.InteropServices;
using Cinder.Core;
using Cinder.Kernels.Formats;
using Cinder.Kernels.Gemm;
using Cinder.Kernels.Simd;

namespace Cinder.Kernels.Tests.Gemm;

/// <summary>Every width of the F32/F16/BF16 kernels against the scalar reference, including ragged shapes.</summary>
public unsafe class FloatKernelTests
{
    public static TheoryData<GgmlType, int, int, int, FloatIsa> Cases()
    {
        var data = new TheoryData<GgmlType, int, int, int, FloatIsa>();
        foreach (var isa in FloatIsas.Supported)
        {
            foreach (var type in new[] { GgmlType.F32, GgmlType.F16, GgmlType.BF16 })
            {
                data.Add(type, 4, 16, 4, isa);
                data.Add(type, 9, 64, 5, isa);
                data.Add(type, 13, 48, 9, isa);   // rows and tokens past the tiles; 48 is not a multiple of 16
                data.Add(type, 8, 172, 3, isa);   // stories260K's ffn width: a ragged row for every vector width
                data.Add(type, 16, 256, 1, isa);
            }
        }
        return data;
    }

    private static byte* RandomMatrix(GgmlType type, int rows, int k, int seed, out float[] values)
    {
        var random = new Random(seed);
        values = new float[rows * k];
        long rowBytes = GgmlTypeInfo.Get(type).RowBytes(k);
        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)(rows * rowBytes), 64);
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * (i % 11 == 0 ? 30 : 1);
        values[1] = 1e-6f; // a value that is subnormal as a half
        for (int r = 0; r < rows; r++) TensorFormat.QuantizeRow(type, values.AsSpan(r * k, k), new Span<byte>(data + r * rowBytes, (int)rowBytes));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ProductsMatchTheScalarReference(GgmlType type, int rows, int k, int tokens, FloatIsa isa)
    {
        byte* data = RandomMatrix(type, rows, k, rows + k, out _);
        try
        {
            var w = new WeightMatrix("w", type, data, rows, k);
            var x = PackedKernelTests.RandomActivations(tokens, k, 3);
            var y = new float[tokens * rows];
            var decoded = new float[k];
            // F16 kernels take activations pre-multiplied by 2^112 (their weights come out scaled by 2^-112).
            var scaled = x.Select(v => type == GgmlType.F16 ? v * F16Weights.Scale : v).ToArray();
            fixed (float* px = scaled, py = y) FloatKernels.Multiply(w, px, py, rows, 0, rows, tokens, isa);
            for (int r = 0; r < rows; r++)
            {
                TensorFormat.DequantizeRow(type, w.RowSpan(r), decoded);
                for (int t = 0; t < tokens; t++)
                {
                    double expected = 0, magnitude = 0;
                    for (int c = 0; c < k; c++)
                    {
                        expected += (double)decoded[c] * x[t * k + c];
                        magnitude += Math.Abs((double)decoded[c] * x[t * k + c]);
                    }
                    Assert.True(Math.Abs(y[t * rows + r] - expected) <= 1e-5 * magnitude + 1e-7, $"{type} {isa} [{t},{r}] {y[t * rows + r]} vs {expected}");
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    [Fact]
    public void F32TilesSumInTinyBlasOrder()
    {
        // The parity with llama.cpp on F32 models rests on this: a tile's outputs equal the one-accumulator dot exactly.
        if (!FloatIsas.IsSupported(FloatIsa.Vector512)) return;
        byte* data = RandomMatrix(GgmlType.F32, 8, 128, 1, out _);
        try
        {
            var w = new WeightMatrix("w", GgmlType.F32, data, 8, 128);
            var x = PackedKernelTests.RandomActivations(4, 128, 2);
            var y = new float[4 * 8];
            fixed (float* px = x, py = y)
            {
                FloatKernels.Multiply(w, px, py, 8, 0, 8, 4, FloatIsa.Vector512);
                for (int r = 0; r < 8; r++)
                    for (int t = 0; t < 4; t++)
                        Assert.Equal(F32Dot.Tiny512((float*)w.Row(r), px + t * 128, 128), py[t * 8 + r]);
            }
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }
}
