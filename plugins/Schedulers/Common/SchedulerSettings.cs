using System.Globalization;
using System.Numerics;

namespace LlmFramework.Schedulers.Common;

/// <summary>
/// One scheduler's settings as given to its factory: keys compared case-insensitively, a key the scheduler does not
/// take refused by name (with the ones it does take), values parsed with the invariant culture.
/// </summary>
internal sealed class SchedulerSettings
{
    private readonly string _scheduler;
    private readonly Dictionary<string, string> _values;

    private SchedulerSettings(string scheduler, Dictionary<string, string> values)
    {
        _scheduler = scheduler;
        _values = values;
    }

    /// <summary>Checks <paramref name="settings"/> against the keys <paramref name="allowed"/> for <paramref name="scheduler"/>.</summary>
    public static SchedulerSettings Read(string scheduler, IReadOnlyDictionary<string, string> settings, params string[] allowed)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string value) in settings)
        {
            string known = allowed.FirstOrDefault(a => string.Equals(a, key, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"the {scheduler} MoE scheduler has no setting '{key}'; {(allowed.Length == 0 ? "it takes no settings" : "its settings are " + string.Join(", ", allowed))}", nameof(settings));
            if (!values.TryAdd(known, value))
            {
                throw new ArgumentException($"the {scheduler} MoE scheduler's setting {known} is given twice (keys are compared case-insensitively)", nameof(settings));
            }
        }

        return new SchedulerSettings(scheduler, values);
    }

    /// <summary>The value of <paramref name="key"/>, or null when it is not set; anything but a finite number of at least <paramref name="minimum"/> is refused.</summary>
    public T? Number<T>(string key, T minimum)
        where T : struct, INumber<T>
    {
        if (!_values.TryGetValue(key, out string? text))
        {
            return null;
        }

        if (!T.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out T value) || !T.IsFinite(value) || value < minimum)
        {
            string kind = typeof(T) == typeof(double) || typeof(T) == typeof(float) ? "a number" : "a whole number";
            throw new ArgumentException($"the {_scheduler} MoE scheduler's setting {key} must be {kind} of at least {minimum.ToString(null, CultureInfo.InvariantCulture)}, got '{text}'");
        }

        return value;
    }

    /// <summary>The value of <paramref name="key"/> trimmed, or null when it is not set or empty.</summary>
    public string? Text(string key) => _values.TryGetValue(key, out string? text) && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;

    /// <summary>The scheduler these settings are for.</summary>
    public string Scheduler => _scheduler;
}
