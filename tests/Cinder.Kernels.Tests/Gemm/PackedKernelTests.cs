using System.Runtime.InteropServices;
using Cinder.Core;
using Cinder.Kernels.Formats;
using Cinder.Kernels.Gemm;

namespace Cinder.Kernels.Tests.Gemm;

/// <summary>Every instruction-set path of the packed integer kernels against the scalar reference.</summary>
public unsafe class PackedKernelTests
{
    public static TheoryData<GgmlType, int, int, int, KernelIsa> Cases()
    {
        var data = new TheoryData<GgmlType, int, int, int, KernelIsa>();
        foreach (var isa in KernelIsas.Supported)
        {
            foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0 })
            {
                data.Add(type, 8, 32, 1, isa);
                data.Add(type, 16, 96, 3, isa);
                data.Add(type, 24, 256, 4, isa);
                data.Add(type, 8, 2048, 9, isa);
                data.Add(type, 40, 160, 6, isa);
            }
            // K-quants: super-blocks of 256; every token count 1..9 (GEMM tiles of 4 and the GEMV remainder).
            foreach (var type in new[] { GgmlType.Q4_K, GgmlType.Q6_K })
            {
                data.Add(type, 8, 256, 1, isa);
                data.Add(type, 16, 512, 2, isa);
                data.Add(type, 24, 2048, 3, isa);
                data.Add(type, 40, 256, 4, isa);
                data.Add(type, 16, 512, 5, isa);
                data.Add(type, 8, 2048, 6, isa);
                data.Add(type, 16, 256, 7, isa);
                data.Add(type, 8, 512, 8, isa);
                data.Add(type, 8, 5632, 9, isa);
            }
        }
        return data;
    }

    /// <summary>Random weights quantized with the reference quantizer, rows × columns, as a native block array.</summary>
    internal static byte* RandomWeights(GgmlType type, int rows, int columns, int seed, out long rowBytes)
    {
        var random = new Random(seed);
        rowBytes = GgmlTypeInfo.Get(type).RowBytes(columns);
        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)(rows * rowBytes), 64);
        var row = new float[columns];
        for (int r = 0; r < rows; r++)
        {
            // Mixed magnitudes per row so scales differ, including an all-zero row.
            float scale = r == 3 ? 0 : (float)Math.Pow(10, random.NextDouble() * 2 - 1);
            for (int c = 0; c < columns; c++) row[c] = (float)(random.NextDouble() * 2 - 1) * scale;
            TensorFormat.QuantizeRow(type, row, new Span<byte>(data + r * rowBytes, (int)rowBytes));
        }
        return data;
    }

    internal static float[] RandomActivations(int tokens, int columns, int seed)
    {
        var random = new Random(seed);
        var x = new float[tokens * columns];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * (i % 7 == 0 ? 4 : 1);
        return x;
    }

    /// <summary>y[t, r] with the weights dequantized by the reference decoder and the activations as the kernels see them, summed in double; and Σ|w·a| for the tolerance.</summary>
    internal static (double[] Y, double[] Magnitude) Reference(in WeightMatrix w, QuantizedActivations act, int tokens)
    {
        var y = new double[tokens * w.Rows];
        var mag = new double[tokens * w.Rows];
        var row = new float[w.Columns];
        for (int r = 0; r < w.Rows; r++)
        {
            TensorFormat.DequantizeRow(w.Type, w.RowSpan(r), row);
            for (int t = 0; t < tokens; t++)
            {
                sbyte* q = act.Levels(t);
                float* d = act.Scales(t);
                double sum = 0, abs = 0;
                for (int c = 0; c < w.Columns; c++)
                {
                    double p = (double)row[c] * q[c] * d[c / act.BlockLength];
                    sum += p;
                    abs += Math.Abs(p);
                }
                y[t * w.Rows + r] = sum;
                mag[t * w.Rows + r] = abs;
            }
        }
        return (y, mag);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PackedProductsMatchTheReference(GgmlType type, int rows, int columns, int tokens, KernelIsa isa)
    {
        byte* data = RandomWeights(type, rows, columns, rows * 31 + columns, out _);
        try
        {
            var w = new WeightMatrix("w", type, data, rows, columns);
            using var prepared = PreparedWeight.Prepare(w);
            Assert.NotNull(prepared.Packed);
            using var act = QuantizedActivations.Create(prepared.Packed!.ActivationFormat);
            var x = RandomActivations(tokens, columns, tokens + columns);
            fixed (float* px = x) act.Quantize(px, tokens, columns);
            AssertMatchesReference(w, prepared.Packed, act, tokens, isa);
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    private static void AssertMatchesReference(in WeightMatrix w, PackedMatrix packed, QuantizedActivations act, int tokens, KernelIsa isa)
    {
        var (expected, magnitude) = Reference(w, act, tokens);
        int rows = w.Rows;
        var y = new float[tokens * rows];
        fixed (float* py = y) packed.Multiply(act, py, rows, 0, packed.Groups, tokens, isa);
        for (int i = 0; i < y.Length; i++)
        {
            // Integer sums are exact; only the float scaling and accumulation order differ.
            double tolerance = 1e-5 * magnitude[i] + 1e-6;
            Assert.True(Math.Abs(y[i] - expected[i]) <= tolerance, $"{w.Type} {isa} y[{i / rows}, {i % rows}] = {y[i]}, expected {expected[i]} (±{tolerance})");
        }
    }

    public static TheoryData<GgmlType, KernelIsa, float> ExtremeCases()
    {
        var data = new TheoryData<GgmlType, KernelIsa, float>();
        foreach (var isa in KernelIsas.Supported)
        {
            foreach (var type in new[] { GgmlType.Q4_K, GgmlType.Q6_K })
            {
                data.Add(type, isa, 1f);
                data.Add(type, isa, -1f);
            }
        }
        return data;
    }

    /// <summary>
    /// The largest integer sums the formats allow: every level at its maximum (15, 63), every scale and minimum at its
    /// extreme (63; -128 for Q6_K), activations all ±127. The 16-bit partial sums of the AVX2 and 128-bit paths are
    /// closest to overflow here; a kernel that summed more products in int16 would fail.
    /// </summary>
    [Theory]
    [MemberData(nameof(ExtremeCases))]
    public void ExtremeBlocksMatchTheReference(GgmlType type, KernelIsa isa, float sign)
    {
        const int rows = 16, columns = 512, tokens = 5;
        long rowBytes = GgmlTypeInfo.Get(type).RowBytes(columns);
        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)(rows * rowBytes), 64);
        try
        {
            var bytes = new Span<byte>(data, (int)(rows * rowBytes));
            bytes.Fill(0xFF); // all levels at the maximum; all 6-bit scales and minimums 63; Q6_K scales -1
            for (int r = 0; r < rows; r++)
            {
                for (int b = 0; b < columns / 256; b++)
                {
                    byte* block = data + r * rowBytes + b * (rowBytes / (columns / 256));
                    if (type == GgmlType.Q4_K)
                    {
                        ((BlockQ4_K*)block)->D = (Half)(0.5f + r);
                        ((BlockQ4_K*)block)->Dmin = (Half)(r % 2 == 0 ? 0.25f : 3f);
                    }
                    else
                    {
                        var q6 = (BlockQ6_K*)block;
                        q6->D = (Half)(0.5f + r);
                        for (int j = 0; j < 16; j++) q6->Scales[j] = (sbyte)(r % 2 == 0 ? -128 : j % 2 == 0 ? 127 : -128);
                    }
                }
            }
            var w = new WeightMatrix("w", type, data, rows, columns);
            using var prepared = PreparedWeight.Prepare(w);
            using var act = QuantizedActivations.Create(prepared.Packed!.ActivationFormat);
            // One magnitude per token: the first value of the largest magnitude maps to -127, so equal values all give
            // -127, and with the first value of each block negated (sign -1) all the others give +127.
            var x = new float[tokens * columns];
            for (int i = 0; i < x.Length; i++) x[i] = (sign < 0 && i % 256 == 0 ? -1 : 1) * (1 + i / columns);
            fixed (float* px = x) act.Quantize(px, tokens, columns);
            Assert.Equal(-127 * (int)sign, act.Levels(0)[1]);
            AssertMatchesReference(w, prepared.Packed, act, tokens, isa);
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    [Fact]
    public void PackingKeepsTheSizeOfTheOriginal()
    {
        foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K })
        {
            byte* data = RandomWeights(type, 64, 512, 5, out long rowBytes);
            try
            {
                using var p = PreparedWeight.Prepare(new WeightMatrix("w", type, data, 64, 512));
                Assert.Equal(64 * rowBytes, p.Packed!.Bytes);
            }
            finally
            {
                NativeMemory.AlignedFree(data);
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.Q8_0, 64)]
    [InlineData(GgmlType.Q4_K, 256)]
    [InlineData(GgmlType.Q6_K, 512)]
    public void RowsNotInGroupsOfEightStayUnpacked(GgmlType type, int columns)
    {
        byte* data = RandomWeights(type, 12, columns, 9, out _);
        try
        {
            using var p = PreparedWeight.Prepare(new WeightMatrix("w", type, data, 12, columns));
            Assert.Null(p.Packed);
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    [Fact]
    public void ActivationsOfTheWrongFormatAreRejected()
    {
        byte* data = RandomWeights(GgmlType.Q4_K, 8, 256, 3, out _);
        try
        {
            using var p = PreparedWeight.Prepare(new WeightMatrix("w", GgmlType.Q4_K, data, 8, 256));
            Assert.Equal(ActivationFormat.Q8_K, p.Packed!.ActivationFormat);
            using var q8 = new Q8Activations();
            var x = RandomActivations(1, 256, 1);
            var y = new float[8];
            fixed (float* px = x) q8.Quantize(px, 1, 256);
            var e = Assert.Throws<ArgumentException>(() =>
            {
                fixed (float* py = y) p.Packed.Multiply(q8, py, 8, 0, 1, 1, KernelIsa.Scalar);
            });
            Assert.Contains("Q8_K", e.Message);
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }
}
