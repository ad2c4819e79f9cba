using System.Text.Json;
using LlmFramework.Backends.Torch.Tests.Support;

namespace LlmFramework.Backends.Torch.Tests;

/// <summary>What the build puts in the plugin folder (src/Host/bin/&lt;cfg&gt;/net10.0/plugins/Torch).</summary>
public sealed class PluginFolderTests
{
    [Fact]
    public void The_folder_holds_the_plugin_torchsharp_and_libtorch_but_not_the_contracts()
    {
        string[] files = Directory.GetFiles(HostProcess.TorchPluginFolder).Select(Path.GetFileName).ToArray()!;

        Assert.Equal(["LlmFramework.Backends.Torch.dll"], files.Where(f => f.StartsWith("LlmFramework.", StringComparison.Ordinal) && f.EndsWith(".dll", StringComparison.Ordinal)));
        Assert.Contains("TorchSharp.dll", files);
        Assert.Contains("LlmFramework.Backends.Torch.deps.json", files);
        if (OperatingSystem.IsLinux())
        {
            Assert.Contains("libLibTorchSharp.so", files);
            Assert.Contains("libtorch_cpu.so", files);
            Assert.DoesNotContain("libtorch_python.so", files);
        }
    }

    [Fact]
    public void The_deps_file_lists_no_native_library_so_the_plugin_loader_never_shadow_copies_libtorch()
    {
        using JsonDocument deps = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(HostProcess.TorchPluginFolder, "LlmFramework.Backends.Torch.deps.json")));

        var libraries = deps.RootElement.GetProperty("targets").EnumerateObject().SelectMany(t => t.Value.EnumerateObject()).ToList();
        Assert.Contains(libraries, l => l.Name.StartsWith("TorchSharp/", StringComparison.Ordinal));
        Assert.DoesNotContain(libraries, l => l.Value.TryGetProperty("native", out _) || l.Value.TryGetProperty("runtimeTargets", out _));
    }
}
