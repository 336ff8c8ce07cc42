"""The policy language: the case-field catalogue and vocabulary, the policy, case and
result models, and their JSON Schemas."""
