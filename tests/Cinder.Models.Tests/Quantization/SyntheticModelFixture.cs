using Cinder.TestSupport;

namespace Cinder.Models.Tests.Quantization;

/// <summary>The synthetic F32 model (dim 256, ffn 512, 2 layers, vocab 512), written once per test class into a temp directory.</summary>
public sealed class SyntheticModelFixture : IDisposable
{
    public SyntheticModelFixture()
    {
        Directory = SharedData.NewTempDirectory("cinder-quant-synthetic");
        F32Path = Path.Combine(Directory, "synthetic-f32.gguf");
        SyntheticModel.Write(F32Path);
    }

    public string Directory { get; }
    public string F32Path { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
