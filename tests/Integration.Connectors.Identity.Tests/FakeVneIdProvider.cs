using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Integration.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Integration.Connectors.Identity.Tests;

/// <summary>
/// The signing half of a VNeID provider on the real WireMock: an RSA key made for the test, its JWKS
/// (where the mocks' discovery document points), and per sign-in a token answer whose id_token is
/// really signed, for the nonce the gateway sent. Authorize and userinfo stay the mocks' own.
/// </summary>
internal sealed class FakeVneIdProvider(TimeProvider? time = null) : IDisposable
{
    public const string TokenPath = "/vneid/oauth2/token";
    public const string JwksPath = "/vneid/.well-known/jwks.json";
    public const string Audience = "dev-gateway";

    private readonly RSA _key = RSA.Create(2048);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private bool _published;

    public string KeyId { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The issuer the mocks' discovery document announces (templated from the request's base URL).</summary>
    public static string Issuer => GatewayFactory.WireMock.BaseUrl + "/vneid";

    /// <summary>The test account a <c>login_hint</c> picks (mocks/TEST-DATA.md): its code prefix, access token and sub.</summary>
    public static (string Code, string AccessToken, string Subject) Account(string? loginHint) => loginHint switch
    {
        "level1" => ("vneid-code-level1", "vneid-at-level1", "vneid-sub-0001"),
        _ => ("vneid-code-level2", "vneid-at-level2", "vneid-sub-0002"),
    };

    /// <summary>The claims of a correct id_token for the account and nonce; a test changes one to make it wrong.</summary>
    public IdToken Correct(string? loginHint, string nonce)
    {
        var now = _time.GetUtcNow();
        return new IdToken(Issuer, Audience, Account(loginHint).Subject, nonce, now, now.AddMinutes(5), _key);
    }

    /// <summary>
    /// After the gateway's login: answers the token request of this sign-in (its code carries the nonce,
    /// as the mocks' authorize page makes it) with the account's access token and <paramref name="idToken"/>
    /// (a correct one by default).
    /// </summary>
    public async Task IssueAsync(Uri authorize, string? loginHint = null, Func<IdToken, IdToken>? change = null)
    {
        await PublishKeysAsync();
        var nonce = SignInFlow.Query(authorize)["nonce"] ?? throw new Xunit.Sdk.XunitException("The authorize URL has no nonce.");
        var token = Correct(loginHint, nonce);
        token = change?.Invoke(token) ?? token;
        var account = Account(loginHint);
        await GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            // Equal to the mocks' own token answers, and newer: WireMock picks this one.
            ["priority"] = 2,
            ["request"] = new JsonObject
            {
                ["method"] = "POST",
                ["urlPath"] = TokenPath,
                ["formParameters"] = new JsonObject { ["code"] = new JsonObject { ["equalTo"] = account.Code + "." + nonce } },
            },
            ["response"] = new JsonObject
            {
                ["status"] = 200,
                ["headers"] = new JsonObject { ["Content-Type"] = "application/json", ["Cache-Control"] = "no-store" },
                ["jsonBody"] = new JsonObject
                {
                    ["access_token"] = account.AccessToken,
                    ["id_token"] = Sign(token),
                    ["token_type"] = "Bearer",
                    ["expires_in"] = 300,
                },
            },
        });
    }

    /// <summary>Serves this provider's public key at the JWKS address the discovery document names.</summary>
    public async Task PublishKeysAsync()
    {
        if (_published)
        {
            return;
        }

        var p = _key.ExportParameters(false);
        await GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject { ["method"] = "GET", ["urlPath"] = JwksPath },
            ["response"] = new JsonObject
            {
                ["status"] = 200,
                ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
                ["jsonBody"] = new JsonObject
                {
                    ["keys"] = new JsonArray(new JsonObject
                    {
                        ["kty"] = "RSA",
                        ["use"] = "sig",
                        ["alg"] = "RS256",
                        ["kid"] = KeyId,
                        ["n"] = Base64UrlEncoder.Encode(p.Modulus),
                        ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                    }),
                },
            },
        });
        _published = true;
    }

    /// <summary>An id_token signed with <see cref="IdToken.Key"/> under this provider's key id (a forgery when the key is another).</summary>
    public string Sign(IdToken token) => new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
    {
        Issuer = token.Issuer,
        Audience = token.Audience,
        Claims = new Dictionary<string, object> { ["sub"] = token.Subject, ["nonce"] = token.Nonce },
        IssuedAt = token.IssuedAt.UtcDateTime,
        NotBefore = token.IssuedAt.UtcDateTime,
        Expires = token.Expires.UtcDateTime,
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(token.Key) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
    });

    public void Dispose() => _key.Dispose();
}

/// <summary>What an id_token says, and the key that signs it.</summary>
internal sealed record IdToken(string Issuer, string Audience, string Subject, string Nonce, DateTimeOffset IssuedAt, DateTimeOffset Expires, RSA Key);
