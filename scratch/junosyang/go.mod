module scratch/junosyang

go 1.26

require github.com/openconfig/goyang v1.6.3

require github.com/google/go-cmp v0.7.0 // indirect
