using System.CommandLine;

namespace LlmFramework.Host.Cli;

/// <summary>Options every verb that loads plugins or a model accepts.</summary>
internal sealed class CommonOptions
{
    public Option<string?> Config { get; } = new("--config", "-c") { Description = "Host config file (JSON, appsettings style)" };

    public Option<string[]> Set { get; } = new("--set") { Description = "Override a config key: --set LlmFramework:Backends:Threads=2 (repeatable)", AllowMultipleArgumentsPerToken = false };

    public Option<string?> Model { get; } = new("--model", "-m") { Description = "GGUF file or Hugging Face folder (default: the config's model, else the embedded default)" };

    public Option<string[]> Adapters { get; } = new("--adapter") { Description = "LoRA adapter folder (PEFT layout) to apply at load, merged; DIR:unmerged keeps it separate (repeatable)" };

    public Option<int?> Threads { get; } = new("--threads", "-t") { Description = "Worker threads (default: one per core)" };

    public Option<string[]> PluginDirectories { get; } = new("--plugins-dir") { Description = "Extra plugin directory (repeatable)" };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log what the host does (to stderr)" };

    public void AddTo(Command command, bool includeModel = true)
    {
        command.Options.Add(Config);
        command.Options.Add(Set);
        if (includeModel)
        {
            command.Options.Add(Model);
            command.Options.Add(Adapters);
        }

        command.Options.Add(Threads);
        command.Options.Add(PluginDirectories);
        command.Options.Add(Verbose);
    }
}
