#compdef devintel

_devintel_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _DEVINTEL_COMPLETE=complete_zsh devintel)
}

compdef _devintel_completion devintel
