package ast

import "reflect"

// Inspect calls fn for every node reachable from root (statements,
// queries, expressions, select-list entries, FROM entries), parents
// before their children. It finds nodes by reflection, so a node kind
// added later is walked without a change here.
func Inspect(root any, fn func(any)) {
	inspect(reflect.ValueOf(root), fn)
}

func inspect(v reflect.Value, fn func(any)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			inspect(v.Elem(), fn)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.CanInterface() {
			fn(v.Interface())
		}
		inspect(v.Elem(), fn)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				inspect(v.Field(i), fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			e := v.Index(i)
			if e.Kind() == reflect.Struct && e.CanAddr() {
				inspect(e.Addr(), fn) // so fn sees &items[i]
				continue
			}
			inspect(e, fn)
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			inspect(it.Value(), fn)
		}
	}
}
