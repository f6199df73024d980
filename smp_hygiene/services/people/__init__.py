"""Who is involved: clinics and their settings, logins, clients, erasure after retention."""
