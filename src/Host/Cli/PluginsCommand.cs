using System.CommandLine;
using System.Text.Json;
using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Host.Plugins;

namespace LlmFramework.Host.Cli;

/// <summary>
/// `plugins`: lists loaded plugins, their kinds, versions and contract versions, what they provide (MoE schedulers with
/// their descriptions), and folders that failed to load.
/// </summary>
internal static class PluginsCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var format = new Option<string>("--format") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("plugins", "List loaded plugins (name, kind, version, contract version, what they provide)");
        common.AddTo(command, includeModel: false);
        command.Options.Add(format);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            using CliSession session = CliSession.Open(parse, common);
            IReadOnlyList<LoadedPlugin> plugins = session.Plugins.Plugins;
            IReadOnlyList<PluginLoadFailure> failures = session.Plugins.Failures;
            if (parse.GetValue(format) == "json")
            {
                var doc = new
                {
                    host_contract = ContractVersion.Current.ToString(),
                    plugins = plugins.Select(p => new
                    {
                        name = p.Manifest.Name,
                        kind = p.Manifest.Kind.ToString(),
                        version = p.Manifest.Version.ToString(),
                        contract = p.Manifest.ContractVersion.ToString(),
                        provides = Provides(p),
                        schedulers = p.MoeSchedulers.Select(f => new { name = f.Name, description = f.Description }),
                        path = p.AssemblyPath,
                        description = p.Manifest.Description,
                    }),
                    failures = failures.Select(f => new { path = f.Path, reason = f.Reason }),
                };
                Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            Console.WriteLine($"host contract {ContractVersion.Current}; plugin folders: {string.Join(", ", session.Plugins.Directories)}");
            Console.WriteLine($"{"NAME",-32} {"KIND",-12} {"VERSION",-9} {"CONTRACT",-9} PROVIDES");
            foreach (LoadedPlugin p in plugins)
            {
                Console.WriteLine($"{p.Manifest.Name,-32} {p.Manifest.Kind,-12} {p.Manifest.Version,-9} {p.Manifest.ContractVersion,-9} {string.Join(", ", Provides(p))}");
                foreach (IMoeSchedulerFactory f in p.MoeSchedulers)
                {
                    Console.WriteLine($"  scheduler {f.Name}: {f.Description}");
                }
            }

            foreach (PluginLoadFailure f in failures)
            {
                Console.WriteLine($"not loaded: {f.Path}: {f.Reason}");
            }

            return 0;
        }));
        return command;
    }

    private static string[] Provides(LoadedPlugin p) =>
        [.. p.Backends.Select(b => "backend:" + b.Name), .. p.Families.Select(f => "family:" + f.Name), .. p.MoeSchedulers.Select(s => "scheduler:" + s.Name)];
}
