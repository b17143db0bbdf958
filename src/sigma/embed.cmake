file(READ ${IN} content)
file(WRITE ${OUT} "namespace tansa::sigma {\nextern const char kLogSourcesYaml[];\nconst char kLogSourcesYaml[] = R\"tansa_yaml(${content})tansa_yaml\";\n}\n")
