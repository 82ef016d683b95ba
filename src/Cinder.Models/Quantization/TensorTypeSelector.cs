using System.Globalization;
using System.Text;
using Cinder.Core;
using Cinder.Gguf;

namespace Cinder.Models.Quantization;

/// <summary>
/// llama.cpp's choice of a type per tensor (llama_tensor_get_type in src/llama-quant.cpp) for the file types Cinder
/// writes, with llama-quantize's defaults: output tensor quantized, no imatrix, no overrides, not --pure.
/// </summary>
/// <remarks>
/// The rules count attn_v and ffn_down tensors as they are met, so tensors must be visited in llama.cpp's order:
/// by layer number (tensors outside blk.N first), then by name (<see cref="Order"/>).
/// One deliberate difference: where llama.cpp has no smaller-block fallback for a type whose block does not divide
/// a row (Q8_0 and Q4_0 with rows that are not a multiple of 32, where llama-quantize stops with an error), Cinder
/// keeps that tensor in F16 and warns. llama.cpp's own fallbacks (Q4_K to Q5_0, Q6_K to Q8_0, then F16) are kept.
/// </remarks>
internal sealed class TensorTypeSelector
{
    private enum Category { TokenEmbd, AttentionQ, AttentionV, AttentionK, AttentionQkv, AttentionKvB, AttentionOutput, FfnUp, FfnGate, FfnDown, Output, Other }

    private readonly QuantizationTarget _target;
    private readonly GgmlType _defaultType;
    private readonly string _arch;
    private readonly int _layerCount;
    private readonly int _expertCount;
    private readonly bool _is70B;
    private readonly bool _tiedEmbeddings;
    private readonly int _attentionVCount;
    private int _attentionV;
    private int _ffnDown;

    public TensorTypeSelector(GgufMetadata metadata, IReadOnlyList<GgufTensorInfo> tensors, QuantizationTarget target)
    {
        _target = target;
        _defaultType = QuantizationTargets.DefaultTensorType(target);
        _arch = metadata.GetStringOrNull("general.architecture") ?? "";
        _layerCount = (int)metadata.GetInteger($"{_arch}.block_count", tensors.Select(t => Layer(t.Name)).DefaultIfEmpty(-1).Max() + 1);
        _expertCount = (int)Math.Max(1, metadata.GetInteger($"{_arch}.expert_count", 0));
        // llama.cpp's LLM_TYPE_70B (80 layers with grouped-query attention) gets Q5_K for attn_v instead of Q4_K.
        _is70B = _arch == "llama" && _layerCount == 80 && HeadCount(metadata, "head_count") != HeadCount(metadata, "head_count_kv");
        _tiedEmbeddings = !tensors.Any(t => GetCategory(t.Name) == Category.Output);
        _attentionVCount = tensors.Count(t => GetCategory(t.Name) is Category.AttentionV or Category.AttentionQkv or Category.AttentionKvB);
    }

    private long HeadCount(GgufMetadata metadata, string key)
    {
        if (!metadata.TryGet($"{_arch}.attention.{key}", out var value)) return -1;
        // Per-layer arrays exist in some files; llama.cpp compares the first layer's values here.
        if (value.Type != GgufValueType.Array) return value.AsInt64();
        var values = (Array)value.Raw;
        return values.Length == 0 ? -1 : Convert.ToInt64(values.GetValue(0), CultureInfo.InvariantCulture);
    }

    /// <summary>llama.cpp's tensor order: layer number (-1 for tensors outside blk.N), then the name's bytes.</summary>
    public static IEnumerable<GgufTensorInfo> Order(IEnumerable<GgufTensorInfo> tensors) =>
        tensors.OrderBy(t => Layer(t.Name)).ThenBy(t => Encoding.UTF8.GetBytes(t.Name), ByteOrder.Instance);

    /// <summary>The N of a name starting "blk.N", else -1 (as sscanf("blk.%d.") leaves it).</summary>
    private static int Layer(string name)
    {
        if (!name.StartsWith("blk.", StringComparison.Ordinal)) return -1;
        int i = 4, value = 0;
        bool negative = i < name.Length && name[i] == '-';
        if (negative || (i < name.Length && name[i] == '+')) i++;
        int start = i;
        while (i < name.Length && char.IsAsciiDigit(name[i]) && value < 100_000_000) value = value * 10 + (name[i++] - '0');
        return i == start ? -1 : negative ? -value : value;
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();
        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y.AsSpan());
    }

    /// <summary>Chooses the output type of <paramref name="tensor"/>; call once per tensor, in <see cref="Order"/>.</summary>
    public TensorQuantization Choose(GgufTensorInfo tensor)
    {
        if (!AllowsQuantization(tensor)) return new(tensor.Name, tensor.Shape, tensor.Type, tensor.Type, null);
        GgmlType type = _defaultType;
        string? warning = null;
        if (GgmlTypeInfo.Get(type).BlockSize > 1)
        {
            type = ChooseQuantized(tensor, type);
            (type, warning) = Fallback(tensor, type);
        }
        return new(tensor.Name, tensor.Shape, tensor.Type, type, warning);
    }

    /// <summary>tensor_allows_quantization: 2-D and larger tensors named *weight, minus the ones llama.cpp keeps as they are.</summary>
    private static bool AllowsQuantization(GgufTensorInfo tensor)
    {
        // ggml_n_dims ignores trailing dimensions of 1.
        int dims = tensor.Shape.Length;
        while (dims > 1 && tensor.Shape[dims - 1] == 1) dims--;
        if (dims < 2) return false;
        string name = tensor.Name;
        if (!name.EndsWith("weight", StringComparison.Ordinal)) return false;
        foreach (var part in KeptAsIs)
        {
            if (name.Contains(part, StringComparison.Ordinal)) return false;
        }
        return name != "position_embd.weight" && name != "token_types.weight";
    }

    /// <summary>Name fragments llama.cpp never quantizes: norms, expert gates, small conv/RWKV/multimodal tensors.</summary>
    private static readonly string[] KeptAsIs =
    [
        "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel", "per_layer_model_proj",
        "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight", "indexer.q_proj.weight",
        "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight", "time_mix_v0.weight",
        "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight",
        "time_mix_g1.weight", "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
        "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.", "sam.net_",
        ".rel_pos", ".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd",
    ];

    private static Category GetCategory(string name)
    {
        if (name == "output.weight") return Category.Output;
        if (name is "token_embd.weight" or "per_layer_token_embd.weight") return Category.TokenEmbd;
        if (name.Contains("attn_qkv.weight", StringComparison.Ordinal)) return Category.AttentionQkv;
        if (name.Contains("attn_kv_b.weight", StringComparison.Ordinal)) return Category.AttentionKvB;
        if (name.Contains("attn_v.weight", StringComparison.Ordinal)) return Category.AttentionV;
        if (name.Contains("attn_k.weight", StringComparison.Ordinal)) return Category.AttentionK;
        if (name.Contains("attn_q.weight", StringComparison.Ordinal)) return Category.AttentionQ;
        if (name.Contains("attn_output.weight", StringComparison.Ordinal)) return Category.AttentionOutput;
        if (name.Contains("ffn_up", StringComparison.Ordinal)) return Category.FfnUp;
        if (name.Contains("ffn_gate", StringComparison.Ordinal)) return Category.FfnGate;
        if (name.Contains("ffn_down", StringComparison.Ordinal)) return Category.FfnDown;
        return Category.Other;
    }

    /// <summary>llama's "use more bits" layers: the first and last eighth, and every third layer in between.</summary>
    private static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    /// <summary>llama_tensor_get_type_impl for MOSTLY_Q8_0, Q4_0, Q4_K_M and Q6_K.</summary>
    private GgmlType ChooseQuantized(GgufTensorInfo tensor, GgmlType type)
    {
        var category = GetCategory(tensor.Name);
        bool q4km = _target == QuantizationTarget.Q4_K_M;
        bool falcon = _arch == "falcon";
        if (category == Category.Output || (_tiedEmbeddings && category == Category.TokenEmbd))
        {
            // The output projection (or the embedding that doubles as it) keeps more precision.
            if (falcon || tensor.Shape[0] % GgmlTypeInfo.Get(type).BlockSize != 0) type = GgmlType.Q8_0;
            else if (type != GgmlType.Q8_0) type = GgmlType.Q6_K;
        }
        else if (category is Category.AttentionV or Category.AttentionQkv or Category.AttentionKvB)
        {
            if (q4km && UseMoreBits(_attentionV, _attentionVCount)) type = GgmlType.Q6_K;
            if (_is70B && type is GgmlType.Q3_K or GgmlType.Q4_K) type = GgmlType.Q5_K;
            if (_expertCount == 8) type = GgmlType.Q8_0;
            ++_attentionV;
        }
        else if (category == Category.AttentionK)
        {
            if (_expertCount == 8) type = GgmlType.Q8_0;
        }
        else if (category == Category.FfnDown)
        {
            var (layer, layers) = LayerInfo(_ffnDown, tensor.Name);
            if (q4km)
            {
                if (falcon) type = layer < layers / 16 ? GgmlType.Q6_K : UseMoreBits(layer, layers) ? GgmlType.Q5_K : GgmlType.Q4_K;
                else if (UseMoreBits(layer, layers)) type = GgmlType.Q6_K;
            }
            ++_ffnDown;
        }
        else if (category == Category.AttentionOutput)
        {
            if (!falcon && _expertCount == 8 && q4km) type = GgmlType.Q5_K;
        }
        else if (category == Category.AttentionQkv)
        {
            if (q4km) type = GgmlType.Q5_K;
        }
        return type;
    }

    /// <summary>The layer of a per-layer tensor: the running count, or for mixtures of experts the N of blk.N (experts are not consecutive).</summary>
    private (int Layer, int Layers) LayerInfo(int counter, string name)
    {
        if (_expertCount <= 1) return (counter, _layerCount);
        int layer = Layer(name);
        if (layer < 0 || layer >= _layerCount)
            throw new ModelFormatException($"tensor '{name}' should be named blk.N.* with N in [0, {_layerCount}) to choose its quantization");
        return (layer, _layerCount);
    }

    /// <summary>tensor_type_fallback: a type whose block does not divide the row length is replaced by a 32-block type, else F16.</summary>
    private static (GgmlType Type, string? Warning) Fallback(GgufTensorInfo tensor, GgmlType type)
    {
        long columns = tensor.Shape[0];
        int block = GgmlTypeInfo.Get(type).BlockSize;
        if (columns % block == 0) return (type, null);
        GgmlType fallback = type switch
        {
            GgmlType.Q2_K or GgmlType.Q3_K => GgmlType.Q4_0,
            GgmlType.Q4_K => GgmlType.Q5_0,
            GgmlType.Q5_K => GgmlType.Q5_1,
            GgmlType.Q6_K => GgmlType.Q8_0,
            _ => GgmlType.F16,
        };
        if (columns % GgmlTypeInfo.Get(fallback).BlockSize != 0) fallback = GgmlType.F16;
        return (fallback, $"{tensor.Name}: row length {columns} is not a multiple of the {type} block size {block}; stored as {fallback} instead");
    }
}
