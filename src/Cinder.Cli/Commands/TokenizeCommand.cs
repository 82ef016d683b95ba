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
        var command = new Command("tokenize", "Tokenize text with a model's tokenizer, as llama.cpp's llama-tokenize does.") { model, prompt, file, idsOnly, noBos, noParseSpecial };
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
                if (!f.Exists) throw new FileNotFoundException($"file not found: {f.FullName}", f.FullName);
                text = File.ReadAllText(f.FullName);
            }
            else
            {
                text = parse.GetValue(prompt)!;
            }
            using var gguf = GgufFile.Open(ModelPaths.Resolve(parse.GetValue(model)));
            var tokenizer = TokenizerFactory.FromGguf(gguf.Metadata);
            var ids = tokenizer.Encode(text, addSpecial: !parse.GetValue(noBos), parseSpecial: !parse.GetValue(noParseSpecial));
            var stdout = Console.Out;
            if (parse.GetValue(idsOnly))
            {
                stdout.WriteLine("[" + string.Join(", ", ids) + "]");
            }
            else
            {
                foreach (var id in ids) stdout.WriteLine($"{id,6} -> '{tokenizer.TokenPiece(id)}'");
            }
            return 0;
        });
        return command;
    }
}
