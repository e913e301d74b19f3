# bash completion for imapmirror(1).
# Commands and options are read from the binary's own --help, so they are always those of the
# binary being completed; account names come from the config file's [accounts.NAME] tables.

# The commands, one a line, from the "Subcommands:" section of `imapmirror --help`.
_imapmirror_commands() {
    "$1" --help 2>/dev/null | sed -n '/^Subcommands:/,/^$/s/^  \([a-z][a-z0-9-]*\)\( .*\)\{0,1\}$/\1/p'
}

# Fills the arrays _imapmirror_opts (every option of the command, or the global ones) and
# _imapmirror_valued (those that take a value: CLI11 prints a type after them).
_imapmirror_read_options() {
    local bin=$1 cmd=$2 line col names rest name
    _imapmirror_opts=() _imapmirror_valued=()
    while IFS= read -r line; do
        [[ $line == "  -"* ]] || continue
        col=${line:2}
        col=${col%%  *}
        names=${col%% *}
        rest=${col#"$names"}
        for name in ${names//,/ }; do
            _imapmirror_opts+=("$name")
            [[ -n $rest ]] && _imapmirror_valued+=("$name")
        done
    done < <("$bin" ${cmd:+"$cmd"} --help 2>/dev/null)
}

# The account names of the config file (--config on the line, else the default path).
_imapmirror_accounts() {
    local config="${XDG_CONFIG_HOME:-$HOME/.config}/imapmirror/config.toml" i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        [[ ${COMP_WORDS[i]} == --config ]] && config=${COMP_WORDS[i + 1]}
    done
    config=${config/#\~/$HOME}
    [[ -r $config ]] || return 0
    sed -nE 's/^[[:space:]]*\[[[:space:]]*accounts\.("([^"]+)"|([A-Za-z0-9_@.-]+))[[:space:]]*\].*/\2\3/p' "$config"
}

_imapmirror() {
    local cur prev words cword
    _init_completion || return
    local bin=$1 cmd="" i commands
    commands=$(_imapmirror_commands "$bin")
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} != -* ]] && grep -qxF -- "${words[i]}" <<<"$commands"; then
            cmd=${words[i]}
            break
        fi
    done

    case $prev in
        --tls)
            mapfile -t COMPREPLY < <(compgen -W "implicit starttls none" -- "$cur")
            return ;;
        --auth-mech)
            mapfile -t COMPREPLY < <(compgen -W "auto plain login cram-md5 digest-md5" -- "$cur")
            return ;;
        --account)
            mapfile -t COMPREPLY < <(compgen -W "$(_imapmirror_accounts)" -- "$cur")
            return ;;
        -o | --out)
            [[ $cmd == export ]] && { _filedir -d; return; }
            _filedir
            return ;;
        --output | --config | --password-file | --ca-file)
            _filedir
            return ;;
    esac

    _imapmirror_read_options "$bin" "$cmd"
    local opt
    for opt in "${_imapmirror_valued[@]}"; do
        [[ $prev == "$opt" ]] && return  # a value we cannot guess (a host, a number)
    done
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "${_imapmirror_opts[*]}" -- "$cur")
        return
    fi
    case $cmd in
        "") mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur") ;;
        backup) mapfile -t COMPREPLY < <(compgen -W "$(_imapmirror_accounts)" -- "$cur") ;;
        verify | threads) _filedir -d ;;
    esac
}
complete -F _imapmirror imapmirror
