using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Integration.Core.Privacy;

namespace Integration.Connectors.Linked.Processes;

/// <summary>
/// Encrypts what a process stores about people (the request, the step results: the child's new ID number
/// among them) with the gateway's privacy key, each ciphertext bound to its row so that one cannot be
/// swapped for another. Instances sharing a store must share <c>Privacy:EncryptionKey</c>.
/// </summary>
internal sealed class LinkedCodec(PersonalDataProtector protector)
{
    public string Protect(string json, string boundTo) =>
        Convert.ToBase64String(protector.Encrypt(Encoding.UTF8.GetBytes(json), "linked:" + boundTo));

    public string Unprotect(string stored, string boundTo) =>
        protector.Decrypt(Convert.FromBase64String(stored), "linked:" + boundTo) is { } plain
            ? Encoding.UTF8.GetString(plain)
            : throw new InvalidOperationException($"Linked data of {boundTo} cannot be decrypted: was Privacy:EncryptionKey changed?");

    public string Hash(string kind, string json) => protector.Hash("linked-request", kind + "\u001f" + json);

    public string ProtectRequest(ProcessRow p, LinkedBirthRequest? birth, LinkedDeathRequest? death) =>
        Protect(birth is not null ? JsonSerializer.Serialize(birth, LinkedJsonContext.Default.LinkedBirthRequest) : JsonSerializer.Serialize(death!, LinkedJsonContext.Default.LinkedDeathRequest), p.Id);

    public StepInput Input(ProcessRow p, IReadOnlyList<StepRow> steps)
    {
        var json = Unprotect(p.RequestData, p.Id);
        var results = LinkedStore.Results(steps).ToDictionary(
            r => r.Key,
            r => JsonNode.Parse(Unprotect(r.Value, p.Id + ":" + r.Key))!.AsObject(),
            StringComparer.Ordinal);
        return p.Kind == LinkedSteps.Birth
            ? new StepInput(p.DossierCode, JsonSerializer.Deserialize(json, LinkedJsonContext.Default.LinkedBirthRequest), null, results)
            : new StepInput(p.DossierCode, null, JsonSerializer.Deserialize(json, LinkedJsonContext.Default.LinkedDeathRequest), results);
    }

    public JsonObject RequestNode(ProcessRow p) => JsonNode.Parse(Unprotect(p.RequestData, p.Id))!.AsObject();
}
