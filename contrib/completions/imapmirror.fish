# fish completion for imapmirror(1).
# Commands and options are read from the binary's own --help, so they are always those of the
# installed binary; account names come from the config file's [accounts.NAME] tables.

function __imapmirror_commands
    # "name<TAB>description" from the "Subcommands:" section of `imapmirror --help`.
    command imapmirror --help 2>/dev/null | sed -n '/^Subcommands:/,/^$/s/^  \([a-z][a-z0-9-]*\)  *\(.*\)$/\1\t\2/p'
end

function __imapmirror_command
    # The command already on the line, or nothing.
    set -l commands (__imapmirror_commands | string replace -r '\t.*' '')
    for word in (commandline -opc)[2..-1]
        if contains -- $word $commands
            echo $word
            return
        end
    end
end

function __imapmirror_options
    # Every option of the command on the line (or the global ones), from its --help.
    set -l cmd (__imapmirror_command)
    command imapmirror $cmd --help 2>/dev/null | string match -r '^  -\S+' | string trim | string split ','
end

function __imapmirror_accounts
    set -l config (set -q XDG_CONFIG_HOME; and echo $XDG_CONFIG_HOME; or echo $HOME/.config)/imapmirror/config.toml
    set -l words (commandline -opc)
    for i in (seq (count $words))
        if test "$words[$i]" = --config; and test $i -lt (count $words)
            set config $words[(math $i + 1)]
        end
    end
    test -r "$config"; or return 0
    sed -nE 's/^[[:space:]]*\[[[:space:]]*accounts\.("([^"]+)"|([A-Za-z0-9_@.-]+))[[:space:]]*\].*/\2\3/p' $config
end

complete -c imapmirror -f
complete -c imapmirror -n 'test -z "$(__imapmirror_command)"; and not string match -q -- "-*" (commandline -ct)' -a '(__imapmirror_commands)'
complete -c imapmirror -n 'string match -q -- "-*" (commandline -ct)' -a '(__imapmirror_options)'
complete -c imapmirror -n 'test "$(__imapmirror_command)" = backup; and not string match -q -- "-*" (commandline -ct)' -a '(__imapmirror_accounts)'
complete -c imapmirror -n 'contains -- "$(__imapmirror_command)" verify threads' -a '(__fish_complete_directories)'
complete -c imapmirror -l account -x -a '(__imapmirror_accounts)'
complete -c imapmirror -l tls -x -a 'implicit starttls none'
complete -c imapmirror -l auth-mech -x -a 'auto plain login cram-md5 digest-md5'
complete -c imapmirror -l out -s o -r -F
complete -c imapmirror -l output -r -F
complete -c imapmirror -l config -r -F
complete -c imapmirror -l password-file -r -F
complete -c imapmirror -l ca-file -r -F
