// Placeholder until the CLI lands.
return 1;
