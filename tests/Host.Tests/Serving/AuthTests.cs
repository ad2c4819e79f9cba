using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>API keys on /v1, the admin key on /admin, loopback-only admin without a key; health and metrics stay open.</summary>
[Collection(ServingCollection.Name)]
public sealed class AuthTests
{
    private const string Chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":1}";

    [Fact]
    public async Task With_api_keys_v1_routes_need_one_of_them_and_admin_routes_need_the_admin_key()
    {
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.Server.ApiKeys = ["key-one", "key-two"];
            o.Server.AdminKey = "admin-secret";
        });

        (int status, string body) = await server.PostAsync("/v1/chat/completions", Chat);
        Assert.Equal(401, status);
        JsonElement error = TestServer.ErrorOf(body);
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.Equal(401, (await server.PostAsync("/v1/chat/completions", Chat, bearer: "wrong")).Status);
        Assert.Equal(200, (await server.PostAsync("/v1/chat/completions", Chat, bearer: "key-two")).Status);
        using (HttpResponseMessage models = await server.Client.GetAsync("/v1/models"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
            Assert.Equal("Bearer", models.Headers.WwwAuthenticate.ToString());
        }

        // An API key is not the admin key, even from loopback.
        Assert.Equal(401, (await server.PostAsync("/admin/models", "{}", bearer: "key-one")).Status);
        Assert.Equal(401, (await server.PostAsync("/admin/models", "{}", bearer: "admin-secre")).Status);
        (int adminStatus, string adminBody) = await server.PostAsync("/admin/models", "{}", bearer: "admin-secret");
        Assert.Equal(400, adminStatus);
        Assert.Equal("path", TestServer.ErrorOf(adminBody).GetProperty("param").GetString());

        using HttpResponseMessage health = await server.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using HttpResponseMessage metrics = await server.Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task Without_an_admin_key_admin_routes_refuse_a_client_that_is_not_on_loopback()
    {
        // The middleware makes every request look as if it came from a public address.
        await using TestServer server = await TestServer.StartAsync(beforeRoutes: app => app.Use((HttpContext context, RequestDelegate next) =>
        {
            if (context.Request.Headers.ContainsKey("X-Test-Remote"))
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(context.Request.Headers["X-Test-Remote"].ToString());
            }

            return next(context);
        }));
        using var remote = new HttpRequestMessage(HttpMethod.Delete, "/admin/models/default");
        remote.Headers.Add("X-Test-Remote", "203.0.113.7");
        using HttpResponseMessage refused = await server.Client.SendAsync(remote);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("permission_error", TestServer.ErrorOf(await refused.Content.ReadAsStringAsync()).GetProperty("type").GetString());
        Assert.Single(server.Host.Models.Snapshot());

        // From loopback the same call is allowed (an unknown id: 404).
        using HttpResponseMessage local = await server.Client.DeleteAsync("/admin/models/nothing");
        Assert.Equal(HttpStatusCode.NotFound, local.StatusCode);
    }
}
