
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  
  "public": {
          Tables: {
            "module_versions": {
                  Row: {
                    "migrations": NonNullable<Json>,"module_id": string,"published_at": string,"requires": NonNullable<Json>,"settings_schema": Json | null,"version": string
                  }
                  ComputedFields: never
                  Insert: {
                    "migrations"?: NonNullable<Json>,"module_id": string,"published_at"?: string,"requires"?: NonNullable<Json>,"settings_schema"?: Json | null,"version": string
                  }
                  Update: {
                    "migrations"?: NonNullable<Json>,"module_id"?: string,"published_at"?: string,"requires"?: NonNullable<Json>,"settings_schema"?: Json | null,"version"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "module_versions_module_id_fkey"
      columns: ["module_id"]
isOneToOne: false
      referencedRelation: "modules"
      referencedColumns: ["id"]
    }
                  ]
                },"modules": {
                  Row: {
                    "created_at": string,"description": string | null,"id": string,"is_active": boolean,"migrations": NonNullable<Json>,"name": string,"owned_tables": (string)[],"requires": NonNullable<Json>,"settings_schema": Json | null,"version": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"description"?: string | null,"id": string,"is_active"?: boolean,"migrations"?: NonNullable<Json>,"name": string,"owned_tables"?: (string)[],"requires"?: NonNullable<Json>,"settings_schema"?: Json | null,"version"?: string
                  }
                  Update: {
                    "created_at"?: string,"description"?: string | null,"id"?: string,"is_active"?: boolean,"migrations"?: NonNullable<Json>,"name"?: string,"owned_tables"?: (string)[],"requires"?: NonNullable<Json>,"settings_schema"?: Json | null,"version"?: string
                  }
                  Relationships: [
                    
                  ]
                },"tenant_members": {
                  Row: {
                    "created_at": string,"role": string,"tenant_id": string,"user_id": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"role"?: string,"tenant_id": string,"user_id": string
                  }
                  Update: {
                    "created_at"?: string,"role"?: string,"tenant_id"?: string,"user_id"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "tenant_members_tenant_id_fkey"
      columns: ["tenant_id"]
isOneToOne: false
      referencedRelation: "tenants"
      referencedColumns: ["id"]
    }
                  ]
                },"tenant_module_events": {
                  Row: {
                    "actor": string | null,"actor_role": string,"change": Json | null,"event": string,"id": number,"module_id": string,"occurred_at": string,"tenant_id": string,"transaction_id": unknown,"version": string | null
                  }
                  ComputedFields: never
                  Insert: {
                    "actor"?: string | null,"actor_role": string,"change"?: Json | null,"event": string,"id"?: never,"module_id": string,"occurred_at"?: string,"tenant_id": string,"transaction_id"?: unknown,"version"?: string | null
                  }
                  Update: {
                    "actor"?: string | null,"actor_role"?: string,"change"?: Json | null,"event"?: string,"id"?: never,"module_id"?: string,"occurred_at"?: string,"tenant_id"?: string,"transaction_id"?: unknown,"version"?: string | null
                  }
                  Relationships: [
                    {
      foreignKeyName: "tenant_module_events_tenant_id_fkey"
      columns: ["tenant_id"]
isOneToOne: false
      referencedRelation: "tenants"
      referencedColumns: ["id"]
    }
                  ]
                },"tenant_modules": {
                  Row: {
                    "enabled": boolean,"id": string,"installed_at": string,"module_id": string,"settings": NonNullable<Json>,"tenant_id": string,"updated_at": string,"version": string
                  }
                  ComputedFields: never
                  Insert: {
                    "enabled"?: boolean,"id"?: string,"installed_at"?: string,"module_id": string,"settings"?: NonNullable<Json>,"tenant_id": string,"updated_at"?: string,"version"?: string
                  }
                  Update: {
                    "enabled"?: boolean,"id"?: string,"installed_at"?: string,"module_id"?: string,"settings"?: NonNullable<Json>,"tenant_id"?: string,"updated_at"?: string,"version"?: string
                  }
                  Relationships: [
                    {
      foreignKeyName: "tenant_modules_module_id_fkey"
      columns: ["module_id"]
isOneToOne: false
      referencedRelation: "modules"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "tenant_modules_tenant_id_fkey"
      columns: ["tenant_id"]
isOneToOne: false
      referencedRelation: "tenants"
      referencedColumns: ["id"]
    },{
      foreignKeyName: "tenant_modules_version_fkey"
      columns: ["module_id","version"]
isOneToOne: false
      referencedRelation: "module_versions"
      referencedColumns: ["module_id","version"]
    }
                  ]
                },"tenants": {
                  Row: {
                    "created_at": string,"id": string,"name": string
                  }
                  ComputedFields: never
                  Insert: {
                    "created_at"?: string,"id"?: string,"name": string
                  }
                  Update: {
                    "created_at"?: string,"id"?: string,"name"?: string
                  }
                  Relationships: [
                    
                  ]
                }
          }
          Views: {
            [_ in never]: never
          }
          Functions: {
            "disable_tenant_module":
{ Args: { "cascade"?: boolean,"module_id": string,"tenant_id": string }; Returns: {
              "enabled": boolean,
"id": string,
"installed_at": string,
"module_id": string,
"settings": NonNullable<Json>,
"tenant_id": string,
"updated_at": string,
"version": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "tenant_modules"
        isOneToOne: false
        isSetofReturn: true
      } },
"install_tenant_module":
{ Args: { "enabled"?: boolean,"module_id": string,"settings"?: Json,"tenant_id": string,"with_dependencies"?: boolean }; Returns: {
              "enabled": boolean,
"id": string,
"installed_at": string,
"module_id": string,
"settings": NonNullable<Json>,
"tenant_id": string,
"updated_at": string,
"version": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "tenant_modules"
        isOneToOne: false
        isSetofReturn: true
      } },
"merge_tenant_module_settings":
{ Args: { "module_id": string,"patch": Json,"tenant_id": string }; Returns: {
              "enabled": boolean,
"id": string,
"installed_at": string,
"module_id": string,
"settings": NonNullable<Json>,
"tenant_id": string,
"updated_at": string,
"version": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "tenant_modules"
        isOneToOne: false
        isSetofReturn: true
      } },
"tenant_has_module":
{ Args: { "p_module_id": string,"p_tenant_id": string }; Returns: boolean
                           },
"tenant_module_events_after":
{ Args: { "after"?: number,"max_events"?: number,"module_id"?: string,"tenant_id": string }; Returns: {
              "actor": string | null,
"actor_role": string,
"change": Json | null,
"event": string,
"id": number,
"module_id": string,
"occurred_at": string,
"tenant_id": string,
"transaction_id": unknown,
"version": string | null
            }[]
                          SetofOptions: {
        from: "*"
        to: "tenant_module_events"
        isOneToOne: false
        isSetofReturn: true
      } },
"tenant_module_uninstall_preview":
{ Args: { "module_id": string,"tenant_id": string }; Returns: Json
                           },
"uninstall_tenant_module":
{ Args: { "cascade"?: boolean,"module_id": string,"purge"?: boolean,"tenant_id": string }; Returns: {
              "enabled": boolean,
"id": string,
"installed_at": string,
"module_id": string,
"settings": NonNullable<Json>,
"tenant_id": string,
"updated_at": string,
"version": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "tenant_modules"
        isOneToOne: false
        isSetofReturn: true
      } },
"upgrade_tenant_module":
{ Args: { "module_id": string,"tenant_id": string,"version"?: string }; Returns: {
              "enabled": boolean,
"id": string,
"installed_at": string,
"module_id": string,
"settings": NonNullable<Json>,
"tenant_id": string,
"updated_at": string,
"version": string
            }[]
                          SetofOptions: {
        from: "*"
        to: "tenant_modules"
        isOneToOne: false
        isSetofReturn: true
      } }
          }
          Enums: {
            [_ in never]: never
          }
          CompositeTypes: {
            [_ in never]: never
          }
        }
}

type DatabaseWithoutInternals = Omit<Database, '__InternalSupabase'>

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
  ? (DefaultSchema["Tables"] & DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R
    }
    ? R
    : never
  : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I
    }
    ? I
    : never
  : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never = never
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
  ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U
    }
    ? U
    : never
  : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never = never
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
  ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
  : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never = never
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
  ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
  : never

export const Constants = {
  "public": {
          Enums: {
            
          }
        }
} as const
