using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmFramework.Training.Training;

/// <summary>
/// The step loop every trainer here shares: AdamW (decay on matrices only), warm-up + cosine learning rate, global
/// gradient clipping, a progress bar, periodic evaluation and checkpoints, and resumption from a saved optimiser state.
/// What a step computes (the loss) and what a checkpoint holds are the caller's.
/// </summary>
public sealed class OptimizationLoop : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly LoopSettings _settings;
    private readonly CosineSchedule _schedule;
    private readonly AdamW _optimizer;

    /// <summary>Creates the optimiser over <paramref name="trainable"/> (a parameter of rank 2 or more is decayed).</summary>
    public OptimizationLoop(IEnumerable<Parameter> trainable, LoopSettings settings)
    {
        ArgumentNullException.ThrowIfNull(trainable);
        ArgumentNullException.ThrowIfNull(settings);
        _parameters = [.. trainable];
        if (_parameters.Length == 0)
        {
            throw new ArgumentException("nothing to train: no parameter requires a gradient");
        }

        _settings = settings;
        _schedule = new CosineSchedule(settings.LearningRate, settings.MinLearningRate, settings.WarmupSteps, settings.Steps);
        var groups = new List<AdamW.ParamGroup>();
        Parameter[] matrices = [.. _parameters.Where(p => p.dim() >= 2)];
        Parameter[] vectors = [.. _parameters.Where(p => p.dim() < 2)];
        if (matrices.Length > 0)
        {
            groups.Add(new AdamW.ParamGroup(matrices, new AdamW.Options { weight_decay = settings.WeightDecay, beta1 = settings.Beta1, beta2 = settings.Beta2, eps = 1e-8 }));
        }

        if (vectors.Length > 0)
        {
            groups.Add(new AdamW.ParamGroup(vectors, new AdamW.Options { weight_decay = 0, beta1 = settings.Beta1, beta2 = settings.Beta2, eps = 1e-8 }));
        }

        _optimizer = optim.AdamW(groups, settings.LearningRate, settings.Beta1, settings.Beta2, 1e-8, settings.WeightDecay);
    }

    /// <summary>Saves the optimiser state (moments, step counts).</summary>
    public void SaveOptimizer(string path) => _optimizer.save_state_dict(path);

    /// <summary>Loads an optimiser state saved by <see cref="SaveOptimizer"/>.</summary>
    public void LoadOptimizer(string path)
    {
        try
        {
            _optimizer.load_state_dict(path);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: cannot restore the optimiser state ({ex.Message}); was the checkpoint written for another model or parameter set?", ex);
        }
    }

    /// <summary>
    /// Runs steps <c>log.Losses.Count</c>.. to the end (or <see cref="LoopSettings.StopAfter"/> steps). <paramref name="lossAt"/>
    /// returns a step's loss (a scalar with a graph) and the tokens it covered; <paramref name="evaluate"/> returns a
    /// held-out loss; <paramref name="checkpoint"/> saves everything needed to resume. Returns whether the run ended.
    /// </summary>
    public bool Run(TrainingLog log, Func<int, (Tensor Loss, long Tokens)> lossAt, Func<double>? evaluate, Action checkpoint, int logEvery = 50)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(lossAt);
        ArgumentNullException.ThrowIfNull(checkpoint);
        int first = log.Losses.Count;
        int last = _settings.StopAfter > 0 ? Math.Min(_settings.Steps, first + _settings.StopAfter) : _settings.Steps;
        var bar = new ProgressBar(first, _settings.Steps, logEvery);
        var clock = Stopwatch.StartNew();
        double secondsBefore = log.Seconds;
        for (int step = first; step < last; step++)
        {
            double rate = _schedule.At(step);
            foreach (ParamGroup group in _optimizer.ParamGroups.Cast<ParamGroup>())
            {
                group.LearningRate = rate;
            }

            float lossValue;
            long tokens;
            using (var scope = NewDisposeScope())
            {
                _optimizer.zero_grad();
                (Tensor loss, tokens) = lossAt(step);
                loss.backward();
                if (_settings.GradientClip > 0)
                {
                    nn.utils.clip_grad_norm_(_parameters, _settings.GradientClip);
                }

                _optimizer.step();
                lossValue = loss.item<float>();
            }

            if (!float.IsFinite(lossValue))
            {
                throw new InvalidOperationException($"the loss became {lossValue} at step {step + 1}; lower --lr or check the data");
            }

            log.Losses.Add(lossValue);
            log.Tokens += tokens;
            log.Seconds = secondsBefore + clock.Elapsed.TotalSeconds;
            string? note = null;
            bool lastStep = step + 1 == last;
            if (evaluate is not null && _settings.EvalEvery > 0 && ((step + 1) % _settings.EvalEvery == 0 || step + 1 == _settings.Steps))
            {
                double heldOut = evaluate();
                log.Evaluations.Add(new EvalPoint(step + 1, heldOut));
                note = string.Create(CultureInfo.InvariantCulture, $"held-out loss {heldOut:F4} (ppl {Math.Exp(heldOut):F2})");
            }

            bar.Report(step, lossValue, rate, tokens, note);
            if ((_settings.CheckpointEvery > 0 && (step + 1) % _settings.CheckpointEvery == 0) || lastStep)
            {
                log.Seconds = secondsBefore + clock.Elapsed.TotalSeconds;
                checkpoint();
            }
        }

        bar.Finish();
        return log.Losses.Count >= _settings.Steps;
    }

    /// <inheritdoc />
    public void Dispose() => _optimizer.Dispose();
}
