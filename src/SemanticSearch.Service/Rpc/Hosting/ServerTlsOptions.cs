using System.Security.Cryptography.X509Certificates;

namespace SemanticSearch.Service.Rpc.Hosting;

/// <summary>The server certificate: an in-memory one, a PFX file (+ password), or PEM certificate + key files.</summary>
public sealed class ServerTlsOptions
{
    public X509Certificate2? Certificate { get; set; }

    public string? PfxPath { get; set; }

    public string? PfxPassword { get; set; }

    public string? PemCertificatePath { get; set; }

    /// <summary>Null when the key is in the certificate PEM file itself.</summary>
    public string? PemKeyPath { get; set; }

    public X509Certificate2 LoadCertificate()
    {
        if (Certificate is not null)
        {
            return Certificate;
        }
        if (PfxPath is not null)
        {
            return X509CertificateLoader.LoadPkcs12FromFile(PfxPath, PfxPassword);
        }
        if (PemCertificatePath is not null)
        {
            using var pem = X509Certificate2.CreateFromPemFile(PemCertificatePath, PemKeyPath);
            // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        throw new InvalidOperationException("TLS is enabled but no certificate, PFX path or PEM path is configured.");
    }
}
