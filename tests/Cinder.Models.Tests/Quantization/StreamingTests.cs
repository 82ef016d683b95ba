using Cinder.Models.Quantization;
using Cinder.TestSupport;

namespace Cinder.Models.Tests.Quantization;

/// <summary>
/// The quantizer streams: tensors are converted a chunk of rows at a time from the memory-mapped input, so what it
/// allocates does not grow with the model. Runs alone because it reads the process-wide allocation counter.
/// </summary>
[Collection(nameof(AllocationSensitive))]
public class StreamingTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = SharedData.NewTempDirectory("cinder-quant-stream");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AllocatesFarLessThanTheModel()
    {
        string input = Path.Combine(_dir, "f32.gguf");
        SyntheticModel.Write(input, dim: 256, ffn: 512, layers: 4);
        long modelBytes = new FileInfo(input).Length;
        var options = new QuantizationOptions { Threads = 2 };
        ModelQuantizer.Quantize(input, Path.Combine(_dir, "warmup.gguf"), QuantizationTarget.Q8_0, options); // JIT and first-use costs

        long before = GC.GetTotalAllocatedBytes(precise: true);
        ModelQuantizer.Quantize(input, Path.Combine(_dir, "q8_0.gguf"), QuantizationTarget.Q8_0, options);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        output.WriteLine($"allocated {allocated} bytes quantizing a {modelBytes}-byte model");
        // Holding the model, or even each tensor in turn, would allocate about the model's size.
        Assert.True(allocated < modelBytes / 4, $"allocated {allocated} bytes quantizing a {modelBytes}-byte model");
    }

    [Fact]
    public void ThreadCountDoesNotChangeTheOutput()
    {
        string input = Path.Combine(_dir, "f32.gguf");
        SyntheticModel.Write(input, dim: 256, ffn: 512, layers: 1, seed: 5);
        string one = Path.Combine(_dir, "one.gguf"), two = Path.Combine(_dir, "two.gguf");
        ModelQuantizer.Quantize(input, one, QuantizationTarget.Q4_K_M, new QuantizationOptions { Threads = 1 });
        ModelQuantizer.Quantize(input, two, QuantizationTarget.Q4_K_M, new QuantizationOptions { Threads = 2 });
        Assert.Equal(File.ReadAllBytes(one), File.ReadAllBytes(two));
    }
}
