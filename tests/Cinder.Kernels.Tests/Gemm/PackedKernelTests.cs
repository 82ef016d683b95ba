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
    internal static (double[] Y, double[] Magnitude) Reference(in WeightMatrix w, Q8Activations act, int tokens)
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
                    double p = (double)row[c] * q[c] * d[c / 32];
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
            using var act = new Q8Activations();
            var x = RandomActivations(tokens, columns, tokens + columns);
            fixed (float* px = x) act.Quantize(px, tokens, columns);
            var (expected, magnitude) = Reference(w, act, tokens);
            var y = new float[tokens * rows];
            fixed (float* py = y) prepared.Packed!.Multiply(act, py, rows, 0, prepared.Packed.Groups, tokens, isa);
            for (int i = 0; i < y.Length; i++)
            {
                // Integer sums are exact; only the float scaling and accumulation order differ.
                double tolerance = 1e-5 * magnitude[i] + 1e-6;
                Assert.True(Math.Abs(y[i] - expected[i]) <= tolerance, $"{isa} y[{i / rows}, {i % rows}] = {y[i]}, expected {expected[i]} (±{tolerance})");
            }
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }

    [Fact]
    public void PackingKeepsTheSizeOfTheOriginal()
    {
        foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0 })
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

    [Fact]
    public void RowsNotInGroupsOfEightStayUnpacked()
    {
        byte* data = RandomWeights(GgmlType.Q8_0, 12, 64, 9, out _);
        try
        {
            using var p = PreparedWeight.Prepare(new WeightMatrix("w", GgmlType.Q8_0, data, 12, 64));
            Assert.Null(p.Packed);
        }
        finally
        {
            NativeMemory.AlignedFree(data);
        }
    }
}
