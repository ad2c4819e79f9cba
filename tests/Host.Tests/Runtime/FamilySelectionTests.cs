using LlmFramework.Abstractions.Models;
using LlmFramework.Host.Runtime;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Runtime;

/// <summary>ModelRuntime.ChooseFamily: the configured family, else the first that recognises the checkpoint, with reasons when none does.</summary>
public sealed class FamilySelectionTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ModelSource _source;

    public FamilySelectionTests()
    {
        _source = ModelSource.Open(_dir.WriteText("model.gguf", "GGUF and then some bytes"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_first_family_that_recognises_the_checkpoint_wins()
    {
        IModelFamily[] families = [new FakeFamily("a", null), new FakeFamily("b", "b-arch"), new FakeFamily("c", "c-arch")];
        Assert.Equal("b", ModelRuntime.ChooseFamily(families, _source, configured: null).Name);
        Assert.Equal("b", ModelRuntime.ChooseFamily(families, _source, configured: "").Name);
    }

    [Fact]
    public void The_configured_family_is_used_even_when_an_earlier_one_matches()
    {
        IModelFamily[] families = [new FakeFamily("a", "a-arch"), new FakeFamily("b", "b-arch")];
        Assert.Equal("b", ModelRuntime.ChooseFamily(families, _source, configured: "B").Name);
    }

    [Fact]
    public void A_configured_family_that_is_not_loaded_is_named_with_the_loaded_ones()
    {
        IModelFamily[] families = [new FakeFamily("a", "a-arch"), new FakeFamily("b", "b-arch")];
        var ex = Assert.Throws<InvalidOperationException>(() => ModelRuntime.ChooseFamily(families, _source, configured: "qwen"));
        Assert.Equal("LlmFramework:Model:Family 'qwen' is not a loaded model family; loaded: a, b", ex.Message);
    }

    [Fact]
    public void A_configured_family_that_cannot_load_the_checkpoint_says_why()
    {
        IModelFamily[] families = [new FakeFamily("a", null)];
        var ex = Assert.Throws<ModelLoadException>(() => ModelRuntime.ChooseFamily(families, _source, configured: "a"));
        Assert.Equal(_source.Path, ex.FilePath);
        Assert.Contains("the a family cannot load it: a does not know this architecture", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void When_no_family_recognises_the_checkpoint_every_reason_is_given()
    {
        IModelFamily[] families = [new FakeFamily("a", null), new FakeFamily("b", null)];
        var ex = Assert.Throws<ModelLoadException>(() => ModelRuntime.ChooseFamily(families, _source, configured: null));
        Assert.Equal(_source.Path, ex.FilePath);
        Assert.Contains("no loaded model family recognises this checkpoint (a: a does not know this architecture; b: b does not know this architecture)", ex.Message, StringComparison.Ordinal);
    }

    private sealed class FakeFamily(string name, string? recognises) : IModelFamily
    {
        public string Name => name;

        public IReadOnlyList<string> Architectures => recognises is null ? [] : [recognises];

        public ModelRecognition Recognize(ModelSource source) =>
            recognises is null ? ModelRecognition.NoMatch(null, $"{name} does not know this architecture") : ModelRecognition.Match(recognises);

        public IModel Load(ModelSource source, ModelLoadOptions options) => throw new NotSupportedException("fake family");
    }
}
