using System.CommandLine;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Host.Runtime;

namespace LlmFramework.Host.Cli;

/// <summary>`export-gguf`: converts a Hugging Face folder into a GGUF file with the model family's exporter.</summary>
internal static class ExportGgufCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var input = new Option<string>("--model", "-m") { Description = "Hugging Face folder to convert", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "GGUF file to write", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "Matrix type: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k (norms stay f32)", DefaultValueFactory = _ => "f16" };
        var command = new Command("export-gguf", "Convert a Hugging Face folder into a GGUF file");
        common.AddTo(command, includeModel: false);
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(dtype);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            if (!DTypeInfo.TryParse(parse.GetValue(dtype), out DType type) || type == DType.I32)
            {
                throw new ArgumentException($"--dtype '{parse.GetValue(dtype)}' is not one of f32, f16, bf16, q8_0, q4_0, q4_k, q6_k");
            }

            string folder = Path.GetFullPath(parse.GetValue(input)!);
            if (!Directory.Exists(folder))
            {
                throw new ArgumentException($"--model '{folder}' is not a folder (export-gguf converts Hugging Face folders)");
            }

            string path = Path.GetFullPath(parse.GetValue(output)!);
            using CliSession session = CliSession.Open(parse, common);
            ModelSource source = ModelSource.Open(folder);
            IModelFamily family = ModelRuntime.ChooseFamily(session.Plugins.ModelFamilies, source, session.Options.Model.Family);
            IGgufExporter exporter = family as IGgufExporter
                ?? throw new NotSupportedException($"the {family.Name} model family cannot export GGUF files");
            IReadOnlyList<string> fallbacks = exporter.ExportGguf(source, type, path);
            if (fallbacks.Count > 0)
            {
                Console.Error.WriteLine($"note: {fallbacks.Count} matri{(fallbacks.Count == 1 ? "x" : "ces")} stored as f16 because their rows do not divide into {DTypeInfo.Name(type)} blocks: {string.Join(", ", fallbacks.Take(6))}{(fallbacks.Count > 6 ? ", ..." : "")}");
            }

            Console.WriteLine(path);
            return 0;
        }));
        return command;
    }
}
