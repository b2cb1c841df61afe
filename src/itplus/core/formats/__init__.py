"""Django format modules (``FORMAT_MODULE_PATH``) shared by both sites.

Django has no es_CL locale and falls back to es, which groups thousands with a
non-breaking space ("35 000") and writes dates "j de F de Y". Chile writes "35.000",
"1,5" and "31-12-2025".
"""
