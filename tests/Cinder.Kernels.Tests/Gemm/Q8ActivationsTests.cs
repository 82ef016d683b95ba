using Cinder.Kernels.Formats;
using Cinder.Kernels.Gemm;

namespace Cinder.Kernels.Tests.Gemm;

public unsafe class Q8ActivationsTests
{
    [Fact]
    public void LevelsScalesAndSumsFollowTheQ8_0Scheme()
    {
        var x = PackedKernelTests.RandomActivations(3, 96, 11);
        x[5] = 0; // zeros and a zero block
        for (int i = 32; i < 64; i++) x[96 + i] = 0;
        using var act = new Q8Activations();
        fixed (float* p = x) act.Quantize(p, 3, 96);
        for (int t = 0; t < 3; t++)
        {
            for (int b = 0; b < 3; b++)
            {
                BlockQ8_0.Quantize(x.AsSpan(t * 96 + b * 32, 32), out var reference);
                Assert.Equal((float)reference.D, act.Scales(t)[b]);
                int sum = 0;
                for (int j = 0; j < 32; j++)
                {
                    int level = act.Levels(t)[b * 32 + j];
                    // ggml's reference rounds half away from zero, its vector code half to even: ties may differ by one.
                    Assert.InRange(level - reference.Qs[j], -1, 1);
                    sum += level;
                }
                Assert.Equal(sum, act.Sums(t)[b]);
            }
        }
    }
}
