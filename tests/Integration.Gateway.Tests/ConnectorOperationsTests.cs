using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Integration.Core.Audit;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Gateway.Tests;

/// <summary>The operators' API: connector list, isolate / close (shared through the store, audited), unknown names; on SQLite and on PostgreSQL.</summary>
public abstract class ConnectorOperationsTests(bool postgres) : BothStores(postgres)
{
    public sealed class Sqlite() : ConnectorOperationsTests(postgres: false);

    public sealed class Postgres() : ConnectorOperationsTests(postgres: true);

    [Fact]
    public async Task Isolate_UnknownConnector_Is404Problem()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.OpsKey);

        using var response = await client.PostAsync("/api/v1/connectors/NoSuchThing/isolate", null);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Isolate_ByOneInstance_IsAppliedByAnotherSharingTheStore_AndAudited()
    {
        var db = await SharedStoreAsync();
        var settings = new Dictionary<string, string?> { ["Gateway:Controls:SyncInterval"] = "00:00:00.200" };
        using var first = new GatewayFactory(new GatewayFactoryOptions { StoreConnectionString = db, Settings = settings });
        using var second = new GatewayFactory(new GatewayFactoryOptions { StoreConnectionString = db, Settings = settings });
        using var a = first.CreateClient(GatewayFactory.OpsKey);
        using var b = second.CreateClient(GatewayFactory.OpsKey);
        var connectors = await a.GetFromJsonAsync<JsonElement>("/api/v1/connectors");
        var name = connectors.EnumerateArray().First(c => c.GetProperty("upstreams").GetArrayLength() > 0).GetProperty("name").GetString()!;

        using var isolated = await a.PostAsync($"/api/v1/connectors/{name}/isolate", null);
        Assert.Equal(HttpStatusCode.OK, isolated.StatusCode);

        await Eventually.TrueAsync(async () =>
        {
            var view = await b.GetFromJsonAsync<JsonElement>("/api/v1/connectors");
            var c = view.EnumerateArray().First(x => x.GetProperty("name").GetString() == name);
            return c.GetProperty("isolated").GetBoolean() && c.GetProperty("state").GetString() == "unhealthy";
        }, "the second instance applies the isolation");

        using var closed = await b.PostAsync($"/api/v1/connectors/{name}/close", null);
        await Eventually.TrueAsync(async () =>
        {
            var view = await a.GetFromJsonAsync<JsonElement>("/api/v1/connectors");
            return !view.EnumerateArray().First(x => x.GetProperty("name").GetString() == name).GetProperty("isolated").GetBoolean();
        }, "the first instance applies the close");

        var audit = first.Services.GetRequiredService<AuditLog>();
        await audit.FlushAsync();
        var rows = await audit.ReadRecentAsync(10);
        Assert.Contains(rows, r => r.Action == "operator_isolate" && r.Connector == name && r.Client == "test-ops");
        await second.Services.GetRequiredService<AuditLog>().FlushAsync();
        Assert.Contains(await audit.ReadRecentAsync(10), r => r.Action == "operator_close");
    }
}
