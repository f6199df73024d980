"""The patient's proof: tokens, Ed25519-signed codes, revocations, QR images, the public record."""
