using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Cinder.TestSupport;
using LLama;
using LLama.Common;

namespace Cinder.Tokenizers.Tests;

/// <summary>
/// llama.cpp's vocabulary API on a vocabulary-only GGUF, loaded once per file and kept for the test run.
/// <see cref="LlamaCpp.Tokenize"/> loads the file on every call and offers no detokenizer, so the calls here go to
/// the same native library (already loaded by LLamaSharp) through its exported C functions.
/// </summary>
internal sealed unsafe class LlamaVocabOracle
{
    private static readonly ConcurrentDictionary<string, LlamaVocabOracle> Cache = new();
    private static readonly object Gate = new();
    private static Api? _api;

    private readonly LLamaWeights _weights; // keeps the model alive
    private readonly IntPtr _vocab;

    private LlamaVocabOracle(string path)
    {
        _weights = LLamaWeights.LoadFromFile(new ModelParams(path) { VocabOnly = true, GpuLayerCount = 0 });
        _vocab = Native.ModelGetVocab(_weights.NativeHandle.DangerousGetHandle());
        Path = path;
    }

    public string Path { get; }

    public static LlamaVocabOracle For(string path) => Cache.GetOrAdd(path, p =>
    {
        lock (Gate)
        {
            // The TestSupport oracle configures and loads the native library (log callback, CPU variant) on first use.
            LlamaCpp.Tokenize(p, "", addBos: false, parseSpecial: false);
            return new LlamaVocabOracle(p);
        }
    });

    private static Api Native => _api ??= new Api();

    public int TokenCount => Native.NTokens(_vocab);
    public int Bos => Native.Bos(_vocab);
    public int Eos => Native.Eos(_vocab);
    public int Eot => Native.Eot(_vocab);
    public int Sep => Native.Sep(_vocab);
    public int Pad => Native.Pad(_vocab);
    public bool AddBos => Native.AddBos(_vocab) != 0;
    public bool AddEos => Native.AddEos(_vocab) != 0;
    public bool IsEog(int id) => Native.IsEog(_vocab, id) != 0;
    public bool IsControl(int id) => Native.IsControl(_vocab, id) != 0;
    public int Attributes(int id) => Native.GetAttr(_vocab, id);

    /// <summary>llama_tokenize on the UTF-8 bytes of <paramref name="text"/> (lone surrogates become U+FFFD, as Encoding.UTF8 writes them).</summary>
    public int[] Tokenize(string text, bool addSpecial, bool parseSpecial)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var tokens = new int[bytes.Length + 8];
        int n;
        fixed (byte* b = bytes)
        fixed (int* t = tokens)
        {
            n = Native.Tokenize(_vocab, b, bytes.Length, t, tokens.Length, (byte)(addSpecial ? 1 : 0), (byte)(parseSpecial ? 1 : 0));
        }
        if (n < 0) throw new InvalidOperationException($"llama_tokenize needs {-n} tokens");
        return tokens[..n];
    }

    public byte[] TokenToPiece(int id, bool special, int lstrip = 0)
    {
        var buffer = new byte[256];
        while (true)
        {
            int n;
            fixed (byte* b = buffer) n = Native.TokenToPiece(_vocab, id, b, buffer.Length, lstrip, (byte)(special ? 1 : 0));
            if (n >= 0) return buffer[..n];
            buffer = new byte[-n];
        }
    }

    public byte[] Detokenize(int[] ids, bool removeSpecial, bool unparseSpecial)
    {
        var buffer = new byte[ids.Length * 8 + 16];
        while (true)
        {
            int n;
            fixed (int* t = ids)
            fixed (byte* b = buffer)
            {
                n = Native.Detokenize(_vocab, t, ids.Length, b, buffer.Length, (byte)(removeSpecial ? 1 : 0), (byte)(unparseSpecial ? 1 : 0));
            }
            if (n >= 0) return buffer[..n];
            buffer = new byte[-n];
        }
    }

    /// <summary>Exported functions of the libllama LLamaSharp loaded (found through the process's memory map).</summary>
    private sealed class Api
    {
        public readonly delegate* unmanaged<IntPtr, IntPtr> ModelGetVocab;
        public readonly delegate* unmanaged<IntPtr, byte*, int, int*, int, byte, byte, int> Tokenize;
        public readonly delegate* unmanaged<IntPtr, int, byte*, int, int, byte, int> TokenToPiece;
        public readonly delegate* unmanaged<IntPtr, int*, int, byte*, int, byte, byte, int> Detokenize;
        public readonly delegate* unmanaged<IntPtr, int> NTokens, Bos, Eos, Eot, Sep, Pad;
        public readonly delegate* unmanaged<IntPtr, byte> AddBos, AddEos;
        public readonly delegate* unmanaged<IntPtr, int, byte> IsEog, IsControl;
        public readonly delegate* unmanaged<IntPtr, int, int> GetAttr;

        public Api()
        {
            var path = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 6 && f[^1].EndsWith("/libllama.so", StringComparison.Ordinal)).Select(f => f[^1]).FirstOrDefault()
                ?? throw new InvalidOperationException("libllama.so is not loaded in this process");
            var lib = NativeLibrary.Load(path);
            IntPtr F(string name) => NativeLibrary.GetExport(lib, name);
            ModelGetVocab = (delegate* unmanaged<IntPtr, IntPtr>)F("llama_model_get_vocab");
            Tokenize = (delegate* unmanaged<IntPtr, byte*, int, int*, int, byte, byte, int>)F("llama_tokenize");
            TokenToPiece = (delegate* unmanaged<IntPtr, int, byte*, int, int, byte, int>)F("llama_token_to_piece");
            Detokenize = (delegate* unmanaged<IntPtr, int*, int, byte*, int, byte, byte, int>)F("llama_detokenize");
            NTokens = (delegate* unmanaged<IntPtr, int>)F("llama_vocab_n_tokens");
            Bos = (delegate* unmanaged<IntPtr, int>)F("llama_vocab_bos");
            Eos = (delegate* unmanaged<IntPtr, int>)F("llama_vocab_eos");
            Eot = (delegate* unmanaged<IntPtr, int>)F("llama_vocab_eot");
            Sep = (delegate* unmanaged<IntPtr, int>)F("llama_vocab_sep");
            Pad = (delegate* unmanaged<IntPtr, int>)F("llama_vocab_pad");
            AddBos = (delegate* unmanaged<IntPtr, byte>)F("llama_vocab_get_add_bos");
            AddEos = (delegate* unmanaged<IntPtr, byte>)F("llama_vocab_get_add_eos");
            IsEog = (delegate* unmanaged<IntPtr, int, byte>)F("llama_vocab_is_eog");
            IsControl = (delegate* unmanaged<IntPtr, int, byte>)F("llama_vocab_is_control");
            GetAttr = (delegate* unmanaged<IntPtr, int, int>)F("llama_vocab_get_attr");
        }
    }
}
