using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace LlmFramework.Host.Configuration;

/// <summary>
/// Builds the host configuration from, in increasing precedence: the JSON config file, environment variables with the
/// prefix <c>LLMF_</c> (e.g. <c>LLMF_LlmFramework__Backends__Threads=2</c>) and command-line overrides
/// (<c>--set LlmFramework:Backends:Threads=2</c>); binds the "LlmFramework" section to <see cref="HostOptions"/> and
/// validates it. Every error names the key (and the file) and what is wrong, including keys that do not exist
/// (typos), with the nearest known key as a suggestion.
/// </summary>
public static class HostConfigurationLoader
{
    /// <summary>Environment variable prefix.</summary>
    public const string EnvironmentPrefix = "LLMF_";

    private static readonly string[] KnownTopLevelSections = [HostOptions.SectionName, "Logging"];

    /// <summary>Loads and validates the configuration.</summary>
    /// <param name="configFile">JSON file, or null for none.</param>
    /// <param name="overrides">"Key=Value" pairs; keys use ':' between sections.</param>
    public static (HostOptions Options, IConfigurationRoot Configuration) Load(string? configFile, IEnumerable<string>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        string? baseDirectory = null;
        if (!string.IsNullOrEmpty(configFile))
        {
            string full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new HostConfigurationException($"config file '{full}' does not exist");
            }

            CheckJsonFile(full);
            baseDirectory = Path.GetDirectoryName(full);
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        var overrideValues = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (string pair in overrides ?? [])
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new HostConfigurationException($"override '{pair}' must look like Section:Key=Value");
            }

            overrideValues[pair[..eq].Trim()] = pair[(eq + 1)..];
        }

        builder.AddInMemoryCollection(overrideValues);
        IConfigurationRoot configuration = builder.Build();
        IConfigurationSection section = configuration.GetSection(HostOptions.SectionName);
        CheckKeys(section, typeof(HostOptions), configFile);
        var options = new HostOptions();
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new HostConfigurationException($"{Where(configFile)}{ex.Message}{(ex.InnerException is { } inner ? " (" + inner.Message + ")" : "")}", ex);
        }

        ResolveModelPaths(options.Model, baseDirectory);
        foreach (ModelOptions served in options.Server.Models)
        {
            ResolveModelPaths(served, baseDirectory);
        }

        for (int i = 0; i < options.Plugins.Directories.Count; i++)
        {
            if (baseDirectory is not null && !Path.IsPathRooted(options.Plugins.Directories[i]))
            {
                options.Plugins.Directories[i] = Path.GetFullPath(Path.Combine(baseDirectory, options.Plugins.Directories[i]));
            }
        }

        Validate(options, configFile);
        return (options, configuration);
    }

    /// <summary>Makes a model's path and adapter paths absolute (relative to the config file's folder) and normalises adapter modes.</summary>
    private static void ResolveModelPaths(ModelOptions model, string? baseDirectory)
    {
        if (!string.IsNullOrEmpty(model.Path) && baseDirectory is not null && !Path.IsPathRooted(model.Path))
        {
            model.Path = Path.GetFullPath(Path.Combine(baseDirectory, model.Path));
        }

        foreach (AdapterOptions adapter in model.Adapters)
        {
            if (!string.IsNullOrEmpty(adapter.Path) && baseDirectory is not null && !Path.IsPathRooted(adapter.Path))
            {
                adapter.Path = Path.GetFullPath(Path.Combine(baseDirectory, adapter.Path));
            }

            // "Merged" / "Unmerged" (the AdapterMode names) mean the same as the documented lower-case values.
            if (adapter.Mode is { } mode && (mode.Equals("merged", StringComparison.OrdinalIgnoreCase) || mode.Equals("unmerged", StringComparison.OrdinalIgnoreCase)))
            {
                adapter.Mode = mode.ToLowerInvariant();
            }
        }
    }

    private static void CheckJsonFile(string path)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new HostConfigurationException($"{path}: the top level must be a JSON object");
            }

            foreach (JsonProperty property in doc.RootElement.EnumerateObject())
            {
                if (!KnownTopLevelSections.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
                {
                    throw new HostConfigurationException($"{path}: unknown section '{property.Name}'{Suggest(property.Name, KnownTopLevelSections)}; known sections: {string.Join(", ", KnownTopLevelSections)}");
                }
            }
        }
        catch (JsonException ex)
        {
            throw new HostConfigurationException($"{path}: not valid JSON: {ex.Message}", ex);
        }
    }

    private static void CheckKeys(IConfigurationSection section, Type type, string? configFile)
    {
        foreach (IConfigurationSection child in section.GetChildren())
        {
            PropertyInfo? property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null)
            {
                string[] known = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name).ToArray();
                throw new HostConfigurationException($"{Where(configFile)}unknown key '{child.Path}'{Suggest(child.Key, known)}; known keys under '{section.Path}': {string.Join(", ", known)}");
            }

            Type propertyType = property.PropertyType;
            bool isLeaf = propertyType.IsPrimitive || propertyType == typeof(string) || Nullable.GetUnderlyingType(propertyType) is not null || propertyType.IsEnum;
            bool isCollection = typeof(IEnumerable).IsAssignableFrom(propertyType) && propertyType != typeof(string);
            if (isLeaf)
            {
                if (child.GetChildren().Any())
                {
                    throw new HostConfigurationException($"{Where(configFile)}'{child.Path}' must be a single value, not a section");
                }
            }
            else if (isCollection)
            {
                if (child.Value is { Length: > 0 } && !child.GetChildren().Any())
                {
                    bool isList = !propertyType.IsGenericType || propertyType.GetGenericTypeDefinition() != typeof(Dictionary<,>);
                    throw new HostConfigurationException($"{Where(configFile)}'{child.Path}' must be {(isList ? "a list (e.g. [\"" + child.Value + "\"])" : "an object of key/value pairs")}, not the single value '{child.Value}'");
                }

                // A list's entries are numbered; the binder silently drops any other key ("Adapters": { "Path": ... }).
                Type? element = propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(List<>) ? propertyType.GetGenericArguments()[0] : null;
                if (element is not null && child.GetChildren().FirstOrDefault(item => !int.TryParse(item.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)) is { } named)
                {
                    throw new HostConfigurationException($"{Where(configFile)}'{child.Path}' must be a list ([ ... ]), not an object with the key '{named.Key}'");
                }

                // Lists of objects (LlmFramework:Model:Adapters): every entry is an object, and its keys are checked too.
                if (element is not null && element.IsClass && element != typeof(string))
                {
                    foreach (IConfigurationSection item in child.GetChildren())
                    {
                        if (item.Value is { Length: > 0 } && !item.GetChildren().Any())
                        {
                            string example = element.GetProperties(BindingFlags.Public | BindingFlags.Instance)[0].Name;
                            throw new HostConfigurationException($"{Where(configFile)}'{item.Path}' must be an object such as {{ \"{example}\": \"{item.Value}\" }}, not the single value '{item.Value}'");
                        }

                        CheckKeys(item, element, configFile);
                    }
                }
            }
            else
            {
                CheckKeys(child, propertyType, configFile);
            }
        }
    }

    private static void Validate(HostOptions o, string? configFile)
    {
        string w = Where(configFile);
        void Require(bool ok, string key, string problem)
        {
            if (!ok)
            {
                throw new HostConfigurationException($"{w}LlmFramework:{key} {problem}");
            }
        }

        Require(o.Backends.Threads >= 0 && o.Backends.Threads <= 1024, "Backends:Threads", $"must be between 0 (one per core) and 1024, got {o.Backends.Threads}");
        Require(o.Backends.Preferred.All(n => !string.IsNullOrWhiteSpace(n)), "Backends:Preferred", "must not contain empty names");
        Require(o.Engine.MaxBatchTokens is >= 1 and <= 65536, "Engine:MaxBatchTokens", $"must be in [1, 65536], got {o.Engine.MaxBatchTokens}");
        Require(o.Engine.MaxSequences is >= 1 and <= 4096, "Engine:MaxSequences", $"must be in [1, 4096], got {o.Engine.MaxSequences}");
        Require(o.Engine.KvBlockSize is >= 1 and <= 1024, "Engine:KvBlockSize", $"must be in [1, 1024], got {o.Engine.KvBlockSize}");
        Require(o.Engine.KvCacheTokens >= 0, "Engine:KvCacheTokens", $"must not be negative, got {o.Engine.KvCacheTokens}");
        Require(o.Engine.KvCacheMemoryMiB >= 0 && double.IsFinite(o.Engine.KvCacheMemoryMiB), "Engine:KvCacheMemoryMiB", $"must be a finite number >= 0 (0 = size by KvCacheTokens), got {o.Engine.KvCacheMemoryMiB.ToString(CultureInfo.InvariantCulture)}");
        Require(o.Engine.KvCacheMemoryMiB == 0 || o.Engine.KvCacheTokens == 0, "Engine:KvCacheMemoryMiB", $"and Engine:KvCacheTokens are both set ({o.Engine.KvCacheMemoryMiB.ToString(CultureInfo.InvariantCulture)} MiB, {o.Engine.KvCacheTokens} tokens); set one");
        Require(o.Engine.MaxQueuedRequests >= 0, "Engine:MaxQueuedRequests", $"must not be negative (0 = no limit), got {o.Engine.MaxQueuedRequests}");
        Require(o.Engine.SchedulingPolicy is "fcfs" or "priority", "Engine:SchedulingPolicy", $"must be \"fcfs\" or \"priority\", got \"{o.Engine.SchedulingPolicy}\"");
        Require(o.Moe.ExpertMemoryMiB == -1 || (o.Moe.ExpertMemoryMiB >= 0 && double.IsFinite(o.Moe.ExpertMemoryMiB)), "Moe:ExpertMemoryMiB", $"must be -1 (no limit) or a finite number >= 0, got {o.Moe.ExpertMemoryMiB.ToString(CultureInfo.InvariantCulture)}");
        Require(o.Moe.WindowSteps is >= 1 and <= 1_000_000, "Moe:WindowSteps", $"must be in [1, 1000000], got {o.Moe.WindowSteps}");
        Require(o.Moe.RebalanceSteps >= 1, "Moe:RebalanceSteps", $"must be at least 1, got {o.Moe.RebalanceSteps}");
        Require(o.Moe.Devices is >= 1 and <= 1024, "Moe:Devices", $"must be in [1, 1024], got {o.Moe.Devices}");
        Require(o.Backends.Threads == 0 || o.Moe.Devices <= o.Backends.Threads, "Moe:Devices", $"({o.Moe.Devices}) must not exceed Backends:Threads ({o.Backends.Threads}): each expert device runs on its own share of the threads, at least one");
        Require(o.Generation.MaxTokens >= 1, "Generation:MaxTokens", $"must be at least 1, got {o.Generation.MaxTokens}");
        Require(o.Generation.Temperature >= 0 && float.IsFinite(o.Generation.Temperature), "Generation:Temperature", $"must be a finite number >= 0, got {o.Generation.Temperature.ToString(CultureInfo.InvariantCulture)}");
        Require(o.Generation.TopP > 0 && o.Generation.TopP <= 1, "Generation:TopP", $"must be in (0, 1], got {o.Generation.TopP.ToString(CultureInfo.InvariantCulture)}");
        Require(o.Generation.MinP >= 0 && o.Generation.MinP <= 1, "Generation:MinP", $"must be in [0, 1], got {o.Generation.MinP.ToString(CultureInfo.InvariantCulture)}");
        Require(o.Generation.TopK >= 0, "Generation:TopK", $"must not be negative, got {o.Generation.TopK}");
        Require(o.Generation.RepetitionPenalty > 0, "Generation:RepetitionPenalty", $"must be > 0, got {o.Generation.RepetitionPenalty.ToString(CultureInfo.InvariantCulture)}");
        ValidateModel(o.Model, "Model", Require);
        ValidateServer(o.Server, Require);
        foreach (string dir in o.Plugins.Directories)
        {
            Require(Directory.Exists(dir), "Plugins:Directories", $"'{dir}' does not exist");
        }
    }

    /// <summary>Checks LlmFramework:Model or one entry of LlmFramework:Server:Models (<paramref name="key"/>).</summary>
    private static void ValidateModel(ModelOptions m, string key, Action<bool, string, string> require)
    {
        require(m.ContextLength >= 0, $"{key}:ContextLength", $"must not be negative, got {m.ContextLength}");
        if (!string.IsNullOrEmpty(m.Path))
        {
            require(File.Exists(m.Path) || Directory.Exists(m.Path), $"{key}:Path", $"'{m.Path}' does not exist");
        }

        for (int i = 0; i < m.Adapters.Count; i++)
        {
            AdapterOptions a = m.Adapters[i];
            require(!string.IsNullOrWhiteSpace(a.Path), $"{key}:Adapters:{i}:Path", "is empty; name a PEFT adapter folder");
            require(Directory.Exists(a.Path), $"{key}:Adapters:{i}:Path", $"'{a.Path}' is not a folder");
            require(a.Mode is "merged" or "unmerged", $"{key}:Adapters:{i}:Mode", $"must be \"merged\" or \"unmerged\", got \"{a.Mode}\"");
            require(float.IsFinite(a.Scale), $"{key}:Adapters:{i}:Scale", $"must be a finite number, got {a.Scale.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private static void ValidateServer(ServerOptions s, Action<bool, string, string> require)
    {
        require(!string.IsNullOrWhiteSpace(s.Urls), "Server:Urls", $"must name at least one address such as \"{ServerOptions.DefaultUrls}\"");
        foreach (string url in s.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            require(Uri.TryCreate(url.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal), UriKind.Absolute, out Uri? uri) && uri.Scheme == "http",
                "Server:Urls", $"'{url}' is not an http:// address (put TLS in a reverse proxy)");
        }

        require(s.ApiKeys.All(k => !string.IsNullOrWhiteSpace(k)), "Server:ApiKeys", "must not contain empty keys");
        require(s.MaxRequestBodyBytes >= 1024, "Server:MaxRequestBodyBytes", $"must be at least 1024, got {s.MaxRequestBodyBytes}");
        require(s.RequestTimeoutSeconds >= 0, "Server:RequestTimeoutSeconds", $"must not be negative (0 = no limit), got {s.RequestTimeoutSeconds}");
        require(s.ShutdownTimeoutSeconds >= 0, "Server:ShutdownTimeoutSeconds", $"must not be negative, got {s.ShutdownTimeoutSeconds}");
        require(s.DefaultMaxTokens >= 0, "Server:DefaultMaxTokens", $"must not be negative (0 = LlmFramework:Generation:MaxTokens), got {s.DefaultMaxTokens}");
        require(s.RetryAfterSeconds >= 1, "Server:RetryAfterSeconds", $"must be at least 1, got {s.RetryAfterSeconds}");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < s.Models.Count; i++)
        {
            ModelOptions m = s.Models[i];
            require(!string.IsNullOrWhiteSpace(m.Path), $"Server:Models:{i}:Path", "is empty; name a GGUF file or Hugging Face folder");
            ValidateModel(m, $"Server:Models:{i}", require);
            require(string.IsNullOrEmpty(m.Id) || ids.Add(m.Id), $"Server:Models:{i}:Id", $"'{m.Id}' is used by an earlier entry");
        }
    }

    private static string Where(string? configFile) => string.IsNullOrEmpty(configFile) ? "" : $"{Path.GetFullPath(configFile)}: ";

    /// <summary>" (did you mean 'X'?)" for the nearest candidate within a small edit distance, else "".</summary>
    internal static string Suggest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int d = EditDistance(key.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, key.Length / 3) ? $" (did you mean '{best}'?)" : "";
    }

    private static int EditDistance(string a, string b)
    {
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
