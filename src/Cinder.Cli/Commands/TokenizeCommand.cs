using System.CommandLine;
using Cinder.Gguf;
using Cinder.Tokenizers;

namespace Cinder.Cli.Commands;

/// <summary>`cinder tokenize`: llama-tokenize's behaviour: one "id -> 'piece'" line per token, or --ids for one list.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo?>("--model", "-m") { Description = $"GGUF model or vocabulary file (default: the demo model {ModelPaths.DemoModelRelative})" };
        var prompt = new Option<string?>("--prompt", "-p") { Description = "text to tokenize" };
        var file = new Option<FileInfo?>("--file", "-f") { Description = "file whose text to tokenize" };
        var idsOnly = new Option<bool>("--ids") { Description = "print only the ids, as one line [id, id, ...]" };
        var noBos = new Option<bool>("--no-bos") { Description = "do not add the BOS token even if the model asks for it" };
        var noParseSpecial = new Option<bool>("--no-parse-special") { Description = "treat special-token text such as <s> as plain text" };
        var noEscape = new Option<bool>("--no-escape") { Description = "take \\n, \\t, \\xNN... in --prompt literally instead of as escapes" };
        var command = new Command("tokenize", "Tokenize text with a model's tokenizer, as llama.cpp's llama-tokenize does.") { model, prompt, file, idsOnly, noBos, noParseSpecial, noEscape };
        command.Validators.Add(result =>
        {
            bool hasPrompt = result.GetResult(prompt) is not null, hasFile = result.GetResult(file) is not null;
            if (hasPrompt == hasFile) result.AddError("give exactly one of --prompt (-p) and --file (-f)");
        });
        command.SetAction(parse =>
        {
            string text;
            if (parse.GetValue(file) is { } f)
            {
                // Decoded without BOM detection: a byte-order mark is text to tokenize, as llama.cpp reads it.
                text = new System.Text.UTF8Encoding(false).GetString(File.ReadAllBytes(CliPaths.ExistingFile(f, "text file")));
            }
            else
            {
                text = parse.GetValue(prompt)!;
                if (!parse.GetValue(noEscape)) text = ProcessEscapes(text);
            }
            using var gguf = GgufFile.Open(ModelPaths.Resolve(parse.GetValue(model)));
            var tokenizer = TokenizerFactory.FromGguf(gguf.Metadata);
            // llama-tokenize adds special tokens only when the vocabulary adds BOS and --no-bos is absent.
            var ids = tokenizer.Encode(text, addSpecial: tokenizer.AddBos && !parse.GetValue(noBos), parseSpecial: !parse.GetValue(noParseSpecial));
            if (parse.GetValue(idsOnly))
            {
                Console.Out.WriteLine("[" + string.Join(", ", ids) + "]");
                return 0;
            }
            // Raw piece bytes, as llama-tokenize prints them: a token holding half a character stays half a character.
            Console.Out.Flush();
            using var stdout = Console.OpenStandardOutput();
            foreach (var id in ids)
            {
                stdout.Write(System.Text.Encoding.UTF8.GetBytes($"{id,6} -> '"));
                stdout.Write(tokenizer.TokenBytes(id));
                stdout.Write("'\n"u8);
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// llama.cpp's string_process_escapes on the prompt's UTF-8 bytes: \n \r \t \' \" \\ and \xNN (a raw byte);
    /// any other backslash stays as written.
    /// </summary>
    internal static string ProcessEscapes(string input)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(input);
        var output = new List<byte>(bytes.Length);
        for (int i = 0; i < bytes.Length; i++)
        {
            byte c = bytes[i];
            if (c != (byte)'\\' || i + 1 >= bytes.Length)
            {
                output.Add(c);
                continue;
            }
            byte e = bytes[++i];
            switch (e)
            {
                case (byte)'n': output.Add((byte)'\n'); break;
                case (byte)'r': output.Add((byte)'\r'); break;
                case (byte)'t': output.Add((byte)'\t'); break;
                case (byte)'\'': output.Add((byte)'\''); break;
                case (byte)'"': output.Add((byte)'"'); break;
                case (byte)'\\': output.Add((byte)'\\'); break;
                case (byte)'x' when i + 2 < bytes.Length && Uri.IsHexDigit((char)bytes[i + 1]) && Uri.IsHexDigit((char)bytes[i + 2]):
                    output.Add(Convert.ToByte(System.Text.Encoding.ASCII.GetString(bytes, i + 1, 2), 16));
                    i += 2;
                    break;
                default:
                    output.Add((byte)'\\');
                    output.Add(e);
                    break;
            }
        }
        return System.Text.Encoding.UTF8.GetString(output.ToArray());
    }
}
