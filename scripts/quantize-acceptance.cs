#!/usr/bin/env -S dotnet run --file
#:project ../tests/Cinder.TestSupport/Cinder.TestSupport.csproj
#:project ../src/Cinder.Gguf/Cinder.Gguf.csproj
#:property PublishAot=false
// The quantize acceptance of the issue, run literally (the CLI tests run it at the "tiny" shape to keep CI fast):
//   "`cinder synth --shape llama160m --type f32 ...` then `cinder quantize ... q8_0`: llama.cpp loads the result and
//    its logits equal those of llama.cpp's own Q8_0 of the same file to 1e-5."
//
// From the repository root (needs ../shared and about 1 GB in the temp folder; a few minutes on 2 cores):
//   dotnet run scripts/quantize-acceptance.cs [-- SHAPE [SEED]]      (default: llama160m 1)
// Exit code 0 when every prompt's logits agree to 1e-5, 1 when they do not, 2 when a step fails.
using System.Diagnostics;
using Cinder.Gguf;
using Cinder.TestSupport;
using LLama.Native;

const float Tolerance = 1e-5f;
string shape = args.Length > 0 ? args[0] : "llama160m";
string seed = args.Length > 1 ? args[1] : "1";

string root = FindRoot(Environment.CurrentDirectory);
string vocab = Path.GetFullPath(Path.Combine(root, "..", "shared", "vocab", "ggml-vocab-llama-spm.gguf"));
if (!File.Exists(vocab)) return Fail($"the shared data is missing: {vocab} (expected ../shared beside the repository root)");
string dir = Path.Combine(Path.GetTempPath(), $"cinder-quantize-acceptance-{shape}-{Environment.ProcessId}");
Directory.CreateDirectory(dir);
try
{
    string cinder = Path.Combine(root, "src", "Cinder.Cli", "bin", "Release", "net10.0", "cinder.dll");
    if (Step("build the CLI", "dotnet", "build", "-c", "Release", Path.Combine(root, "src", "Cinder.Cli"), "-v", "q", "-nologo") != 0) return 2;
    string f32 = Path.Combine(dir, $"{shape}-f32.gguf");
    string cinders = Path.Combine(dir, $"{shape}-q8_0-cinder.gguf");
    string llamas = Path.Combine(dir, $"{shape}-q8_0-llama.cpp.gguf");
    if (Step("cinder synth", "dotnet", cinder, "synth", "--shape", shape, "--type", "f32", "--vocab", vocab, "-o", f32, "--seed", seed) != 0) return 2;
    if (Step("cinder quantize", "dotnet", cinder, "quantize", f32, cinders, "q8_0") != 0) return 2;
    var clock = Stopwatch.StartNew();
    LlamaCpp.Quantize(f32, llamas, LLamaFtype.MOSTLY_Q8_0);
    Console.WriteLine($"llama.cpp quantize: {clock.Elapsed.TotalSeconds:F1} s");

    using (var c = GgufFile.Open(cinders))
    using (var l = GgufFile.Open(llamas))
    {
        int sameType = 0, sameBytes = 0;
        foreach (var t in l.Tensors)
        {
            var ct = c.GetTensor(t.Name);
            if (ct.Type == t.Type) sameType++;
            if (ct.Type == t.Type && c.GetData(ct).SequenceEqual(l.GetData(t))) sameBytes++;
        }
        Console.WriteLine($"tensors: {l.Tensors.Count}; same type in both files: {sameType}; byte-identical: {sameBytes}");
        Console.WriteLine($"general.file_type: cinder {c.Metadata.GetInteger("general.file_type")}, llama.cpp {l.Metadata.GetInteger("general.file_type")}");
    }

    string[] texts = ["Once upon a time", "The quick brown fox jumps over the lazy dog.", "<s>1 2 3 4 5 6 7 8 9 10", "Hello world"];
    var prompts = texts.Select(t => LlamaCpp.Tokenize(f32, t, addBos: true, parseSpecial: true)).ToList();
    var expected = LlamaCpp.LastLogits(llamas, prompts);
    var actual = LlamaCpp.LastLogits(cinders, prompts);
    float worst = 0;
    for (int i = 0; i < prompts.Count; i++)
    {
        float diff = expected[i].Zip(actual[i], (a, b) => Math.Abs(a - b)).Max();
        bool finite = actual[i].All(float.IsFinite);
        worst = Math.Max(worst, finite ? diff : float.PositiveInfinity);
        Console.WriteLine($"prompt {i} ({prompts[i].Length} tokens): max |logit difference| = {diff:G3} (logits in [{actual[i].Min():F3}, {actual[i].Max():F3}]{(finite ? "" : ", NOT FINITE")})");
    }
    bool pass = worst <= Tolerance;
    Console.WriteLine($"{(pass ? "PASS" : "FAIL")}: {shape} Q8_0 by cinder vs llama.cpp, max |logit difference| {worst:G3} (tolerance {Tolerance:G})");
    return pass ? 0 : 1;
}
finally
{
    Directory.Delete(dir, recursive: true);
}

static int Step(string title, string file, params string[] arguments)
{
    Console.WriteLine($"$ {file} {string.Join(' ', arguments)}");
    var start = new ProcessStartInfo(file) { UseShellExecute = false };
    foreach (var a in arguments) start.ArgumentList.Add(a);
    var clock = Stopwatch.StartNew();
    using var p = Process.Start(start)!;
    p.WaitForExit();
    Console.WriteLine($"{title}: exit code {p.ExitCode}, {clock.Elapsed.TotalSeconds:F1} s");
    return p.ExitCode;
}

static int Fail(string message)
{
    Console.Error.WriteLine($"error: {message}");
    return 2;
}

static string FindRoot(string start)
{
    for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "Cinder.slnx"))) return d.FullName;
    throw new InvalidOperationException($"run this from inside the repository (no Cinder.slnx above {start})");
}
