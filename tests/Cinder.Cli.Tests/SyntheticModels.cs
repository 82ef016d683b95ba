using Cinder.TestSupport;

namespace Cinder.Cli.Tests;

/// <summary>
/// `cinder synth --shape tiny` in F32 and Q4_0 with the llama-spm vocabulary (32000 tokens), written once for the
/// tests of the "synthetic models" collection into a temp directory that is deleted afterwards.
/// </summary>
public sealed class SyntheticModels : IDisposable
{
    public const ulong Seed = 7;

    private readonly TempDirectory _temp = new();

    public SyntheticModels()
    {
        F32 = _temp.File("tiny-f32.gguf");
        Q4_0 = _temp.File("tiny-q4_0.gguf");
        F32Result = Synth("f32", F32, Seed);
        Q4_0Result = Synth("q4_0", Q4_0, Seed);
    }

    public static string VocabPath => SharedData.Vocab("ggml-vocab-llama-spm.gguf");

    public string F32 { get; }
    public string Q4_0 { get; }

    /// <summary>The synth runs, asserted by the tests (a failure here should fail a test, not the fixture).</summary>
    public CliResult F32Result { get; }
    public CliResult Q4_0Result { get; }

    public string File(string name) => _temp.File(name);

    public static CliResult Synth(string type, string output, ulong seed) =>
        CinderProcess.Run("synth", "--shape", "tiny", "--type", type, "--vocab", VocabPath, "-o", output, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose() => _temp.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SyntheticModelsCollection : ICollectionFixture<SyntheticModels>
{
    public const string Name = "synthetic models";
}
