namespace LlmFramework.Host.Serving;

/// <summary>Who may call a route.</summary>
internal enum RouteAccess
{
    /// <summary>Anyone (health, metrics).</summary>
    Open,

    /// <summary>A key of LlmFramework:Server:ApiKeys, when any is configured (the /v1 routes).</summary>
    ApiKey,

    /// <summary>LlmFramework:Server:AdminKey, or a loopback client when no admin key is configured.</summary>
    Admin,
}
